"""Tyre skid: rubber screeching on tarmac, rough tonal squeals over scrubbing noise.

The squeal is stick-slip vibration of the tread: rubber grips the road, shears, slips and
grips again, a relaxation oscillation (a slow build and a sudden slip: sawtooth-like, 0.8-2
kHz) whose every cycle differs, as each tread block meets its own bit of road, so the tone is
rough and raspy rather than a whistle. Two to four tyres skid at once, each at its own pitch,
and they beat against one another; each squeal's grip chatters, and the pitch sags as the car
slows. The rubber scrubbing the road adds broadband noise. The squeal holds from lock-up,
easing as the speed bleeds off, and stops when the car does.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

_HARMONICS = 10  # of the slip cycle, at 1/k: the sudden slip makes them strong


def _squeal(rng: np.random.Generator, n: int, sr: int, f0: float, span: float) -> dsp.Audio:
    """One tyre's squeal: the contact patch's many tread blocks slipping near one rate.

    Dozens of blocks stick and slip at once, each at its own rate and phase; summed, every
    harmonic of the slip cycle is a narrow band of noise (~100 Hz wide per harmonic number),
    the harmonics at 1/k like a sawtooth's (a slow build and a sudden slip).
    """
    t = np.arange(n) / sr
    # The load shifts as the car pitches and yaws: the squeal wanders by several % (held to a
    # couple of %, its slow sag and drift are a siren's glide).
    grip = dsp.slow_noise(rng, n, sr, 3.0)
    freq = f0 * (1.0 - 0.12 * t / span) * (1.0 + 0.04 * grip)
    phase = np.cumsum(freq * (2.0 * np.pi / sr)) + rng.uniform(0.0, 2.0 * np.pi)
    spread = dsp.lowpass(50.0, sr, order=2)
    out = np.zeros(n, np.float32)
    for k in range(1, _HARMONICS + 1):
        # I/Q noise: a band 2 x 50 k Hz wide around the k-th harmonic.
        band = dsp.filt(spread, dsp.white(rng, 2 * n).reshape(2, n), axis=1)
        part = band[0] * np.cos(k * phase) + band[1] * np.sin(k * phase)
        out += part.astype(np.float32) * np.float32(1.0 / k)
    # Grip chatter: the squeal's level flutters as the tread sticks and slips.
    chatter = np.clip(1.0 + 0.5 * dsp.slow_noise(rng, n, sr, 20.0), 0.1, 2.0)
    return out * chatter.astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Two to four tyres' squeals and band-passed scrub noise, from lock-up to standstill."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    t = np.arange(n) / sr
    span = n / sr
    # The wheels lock within ~0.1 s and the squeal holds, easing as the speed bleeds off,
    # until the car stops and it ends at once (50 ms) most of the way through the event.
    skid = rng.uniform(0.7, 0.85) * span
    env = (
        np.clip(t / 0.1, 0.0, 1.0)
        * (1.0 - 0.4 * np.minimum(t / skid, 1.0))
        * np.clip((skid - t) / 0.05, 0.0, 1.0)
    )
    f0 = rng.uniform(800.0, 1400.0) * (1.0 + 0.3 * intensity)
    out = np.zeros((n, 2), np.float32)
    tyres = int(rng.integers(2, 5))
    for pan in rng.uniform(-0.5, 0.5, tyres):
        # Each tyre has its own load, wear and slip: its own pitch and level.
        tyre = _squeal(rng, n, sr, f0 * rng.uniform(0.95, 1.05), span) * rng.uniform(0.5, 1.0)
        gl, gr = dsp.pan_gains(pan)
        out[:, 0] += tyre * np.float32(gl)
        out[:, 1] += tyre * np.float32(gr)
    out *= np.float32(1.0 / (dsp.rms_of(out) + 1e-9))
    scrub = dsp.filt(dsp.bandpass(400.0, 6000.0, sr, order=2), dsp.white(rng, n))
    scrub *= np.float32((0.15 + 0.1 * intensity) / (dsp.rms_of(scrub) + 1e-9))
    out += scrub[:, None]
    # The sliding car itself: tyre carcasses and body shaken by the road, a low rumble.
    rumble = dsp.filt(
        dsp.cascade(dsp.brown_sos(sr, 40.0), dsp.bandpass(40.0, 300.0, sr, order=2)),
        dsp.white(rng, n),
    )
    out += (rumble * np.float32(0.3 / (dsp.rms_of(rumble) + 1e-9)))[:, None]
    out *= env.astype(np.float32)[:, None]
    return dsp.finish_one_shot(out, sr, intensity, distance)


RECIPE = Recipe(
    name="tyre_skid",
    family="machines",
    kind=EventKind.SFX,
    description="Tyres skidding: a car's tyres screeching on tarmac as it brakes hard or slides.",
    tags=(
        "skid", "skidding", "tyre skid", "tire skid", "tyres screeching", "tires screeching",
        "screech", "screeching", "squeal", "squealing tyres", "squealing tires",
        "brakes screeching", "screeching brakes", "burnout", "drift", "drifting",
        "handbrake turn", "car chase", "peel out",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=2.0,
)  # fmt: skip
