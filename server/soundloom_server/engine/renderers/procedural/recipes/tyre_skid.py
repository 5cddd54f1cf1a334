"""Tyre skid: rubber screeching on tarmac, a jittery tonal squeal over scrubbing noise.

The squeal is stick-slip vibration of the tread, a strong tone between ~0.8 and 2 kHz with a
couple of harmonics, whose pitch jitters with the grip and sags as the car slows; the rubber
scrubbing the road adds broadband noise. The whole skid decays as the speed bleeds off.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable


def synth(req: SynthRequest) -> np.ndarray:
    """A jittery harmonic squeal and band-passed scrub noise under a decaying envelope."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    t = np.arange(n) / sr
    span = n / sr
    # The skid lasts most of the event and tails off; the end is left to the fade.
    skid = rng.uniform(0.7, 0.85) * span
    env = dsp.envelope_ad(t, 0.04, 0.45 * skid) * np.clip((skid - t) / (0.15 * skid), 0.0, 1.0)
    grip = dsp.slow_noise(rng, n, sr, 12.0)
    f0 = rng.uniform(800.0, 1500.0) * (1.0 + 0.3 * intensity)
    freq = f0 * (1.0 - 0.12 * t / span) * (1.0 + 0.025 * grip)
    squeal = oscillator(wavetable([1.0, 0.35, 0.15, 0.06]), freq, sr, n)
    # Grip chatter: the squeal's level flutters as the tread sticks and slips.
    chatter = np.clip(1.0 + 0.35 * dsp.slow_noise(rng, n, sr, 40.0), 0.2, 2.0)
    scrub = dsp.filt(dsp.bandpass(400.0, 6000.0, sr, order=2), dsp.white(rng, n))
    scrub *= np.float32(1.0 / (dsp.rms_of(scrub) + 1e-9))
    mono = (env * (chatter * squeal + (0.25 + 0.15 * intensity) * scrub)).astype(np.float32)
    gl, gr = dsp.pan_gains(rng.uniform(-0.4, 0.4))
    out = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
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
