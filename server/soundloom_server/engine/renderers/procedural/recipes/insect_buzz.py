"""Insect buzz: flies, bees or mosquitoes circling, a wing-beat buzz with Doppler and panning.

Each wing stroke sheds a pressure pulse (the down-stroke stronger) and the wings' vortices hiss
as they sweep, so the buzz is a pulse train with breath in it, not a sawtooth. The insect loops
about a metre a second and steers in saccades, quick turns a few times a second, each with a
burst of harder wing beats; its wings radiate as a dipole, so every turn swings the sound
towards or away from the listener.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest

# Wing-beat range (Hz) and body resonance (Hz) per kind of insect.
_KINDS = {
    "fly": ((170.0, 240.0), 2500.0),
    "bee": ((200.0, 260.0), 1800.0),
    "mosquito": ((450.0, 600.0), 3500.0),
}
_ALIASES = {
    "fly": "fly", "flies": "fly", "housefly": "fly", "bluebottle": "fly",
    "bee": "bee", "bees": "bee", "bumblebee": "bee", "wasp": "bee", "hornet": "bee",
    "mosquito": "mosquito", "mosquitoes": "mosquito", "gnat": "mosquito", "midge": "mosquito",
}  # fmt: skip


def _flight(
    rng: np.random.Generator, count: int, rate: int, distance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level, pan and Doppler factor (at control `rate`) of one insect wandering around."""
    # Position (m) relative to the listener: smooth random loops, a bit further when far.
    # A housefly cruises at ~1.5-2 m/s in loops of about a metre: about a loop a second.
    x = 0.8 * dsp.drift(rng, count, rate, 0.7)
    y = 0.6 * dsp.drift(rng, count, rate, 0.6) + 0.7 + 2.0 * distance
    r = np.sqrt(x * x + y * y + 0.05)
    # Doppler exaggerated (sound speed taken as 25 m/s) so the pass-bys are audible as pitch.
    v = np.gradient(r) * rate
    doppler = 1.0 / (1.0 + np.clip(v / 25.0, -0.3, 0.3))
    level = 1.0 / (r + 0.3)  # inverse distance, softened: it never quite enters the ear
    return level, x / r, doppler


def synth(req: SynthRequest) -> np.ndarray:
    """Per insect: wing-stroke pulses + vortex hiss at an integrated wing-beat rate, panned."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    beat_range, body_hz = _KINDS[_ALIASES[req.word("insect")]]
    k = 1  # full rate: the wing pulses and their hiss reach past 10 kHz
    low_sr, m = sr // k, n // k + 2
    # Flight paths live at a 200 Hz control rate and are interpolated up.
    kc = max(1, low_sr // 200)
    rate, mc = low_sr // kc, m // kc + 2
    out = np.zeros((2, m), np.float32)
    # One insect at a time until it gets busy: a second joins past 0.6, a third at 1.
    for _ in range(1 + int(intensity >= 0.6) + int(intensity >= 1.0)):
        level, pan, doppler = _flight(rng, mc, rate, distance)
        # The wing-beat rate follows the flight: it speeds up by several % to climb or
        # turn and sags in a glide; Doppler bends it on every pass.
        # Flies steer in saccades: quick turns of ~50-150 degrees in ~50 ms, a few a second,
        # each with a burst of harder wing beats.
        turns = dsp.poisson_times(rng, 3.0, mc, rate)
        kick = dsp.filt(
            dsp.lowpass(8.0, rate, order=2),
            dsp.impulses(mc, turns, np.ones(turns.shape[0]) * rate / 8.0),
        )
        angle = dsp.filt(
            dsp.lowpass(8.0, rate, order=2),
            dsp.impulses(
                mc,
                turns,
                rng.choice([-1.0, 1.0], turns.shape[0])
                * np.radians(rng.uniform(50.0, 150.0, turns.shape[0])),
            ),
        )
        heading = np.cumsum(angle) + rng.uniform(0.0, 2.0 * np.pi)
        manoeuvre = 1.0 + 0.04 * dsp.drift(rng, mc, rate, 0.5) + 0.04 * np.clip(kick, 0.0, 1.0)
        flutter = 1.0 + 0.01 * dsp.slow_noise(rng, mc, rate, 6.0, control_rate=rate)
        freq = dsp.upsample(
            rng.uniform(*beat_range) * manoeuvre * flutter * doppler / low_sr, kc, m
        )
        cycles = np.cumsum(freq, dtype=np.float64) + rng.random()
        ramp = (cycles - np.floor(cycles)).astype(np.float32)
        # Each stroke reversal sheds a pressure pulse (the wing's dipole), the down-stroke
        # stronger; in between the wing's vortices hiss, louder as it sweeps fastest.
        down = np.exp(-(((ramp - 0.1) / 0.08) ** 2))
        up = 0.35 * np.exp(-(((ramp - 0.6) / 0.1) ** 2))
        sweep = np.abs(np.sin(2.0 * np.pi * ramp))
        wave = down + up - (down + up).mean()
        hiss = dsp.filt(dsp.bandpass(1000.0, 8000.0, low_sr), dsp.white(rng, m))
        wave += np.float32(0.25) * hiss * sweep / np.float32(dsp.rms_of(hiss) + 1e-9)
        # The beating wings radiate as a dipole: at each turn the lobe swings towards or away
        # from the listener and the buzz wavers.
        lobe = 0.3 + 0.7 * np.cos(heading) ** 2
        gl, gr = dsp.pan_gains(pan)
        out[0] += wave * dsp.upsample(level * lobe * gl, kc, m)
        out[1] += wave * dsp.upsample(level * lobe * gr, kc, m)

    cut = dsp.distance_cutoff(distance)
    shape = dsp.cascade(
        dsp.highpass(100.0, low_sr),
        dsp.peak(body_hz, 1.5, 6.0, low_sr),
        dsp.lowpass(min(6000.0, cut), low_sr, order=2),
    )
    out = dsp.filt(shape, out, axis=1)
    # A faint air bed keeps the loop alive when every insect is far at once.
    air = dsp.filt(
        dsp.cascade(dsp.bandpass(200.0, 3000.0, low_sr), dsp.lowpass(cut, low_sr)),
        dsp.white(rng, m),
    )
    out += air * np.float32(0.1 * dsp.rms_of(out) / (dsp.rms_of(air) + 1e-12))
    return dsp.fit_rms(dsp.upsample_stereo(out, k, n), dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="insect_buzz",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Insect buzz: flies, bees or mosquitoes buzzing around, moving past the ears.",
    tags=(
        "buzz",
        "buzzing",
        "insect buzz",
        "buzzing insects",
        "fly",
        "flies",
        "buzzing fly",
        "housefly",
        "bluebottle",
        "bee",
        "bees",
        "bumblebee",
        "buzzing bees",
        "beehive",
        "swarm",
        "wasp",
        "wasps",
        "hornet",
        "mosquito",
        "mosquitoes",
        "gnats",
        "midges",
        "whine",
    ),
    synth=synth,
    params=(
        dsp.INTENSITY,
        dsp.DISTANCE,
        ParamSpec(
            "insect",
            "fly",
            choices=tuple(_ALIASES),
            doc="Which insect: fly, bee, wasp, mosquito, ...",
        ),
    ),
    typical_duration_s=30.0,
)
