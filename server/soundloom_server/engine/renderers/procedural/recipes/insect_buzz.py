"""Insect buzz: flies, bees or mosquitoes circling, a wing-beat buzz with Doppler and panning."""

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
    x = 0.8 * dsp.slow_noise(rng, count, rate, 0.25, control_rate=rate)
    y = 0.6 * dsp.slow_noise(rng, count, rate, 0.2, control_rate=rate) + 0.7 + 2.0 * distance
    r = np.sqrt(x * x + y * y + 0.05)
    # Doppler exaggerated (sound speed taken as 25 m/s) so the pass-bys are audible as pitch.
    v = np.gradient(r) * rate
    doppler = 1.0 / (1.0 + np.clip(v / 25.0, -0.3, 0.3))
    level = 1.0 / (r + 0.3)  # inverse distance, softened: it never quite enters the ear
    return level, x / r, doppler


def synth(req: SynthRequest) -> np.ndarray:
    """Per insect: a saw-ish wave from an integrated wing-beat frequency, at 24 kHz, panned."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    beat_range, body_hz = _KINDS[_ALIASES[req.word("insect")]]
    k = dsp.low_rate_factor(sr, 24000)
    low_sr, m = sr // k, n // k + 2
    # Flight paths live at a 200 Hz control rate and are interpolated up.
    kc = max(1, low_sr // 200)
    rate, mc = low_sr // kc, m // kc + 2
    out = np.zeros((2, m), np.float32)
    for _ in range(1 + round(2 * intensity)):
        level, pan, doppler = _flight(rng, mc, rate, distance)
        # Wing-beat jitters as the insect manoeuvres; Doppler bends it on every pass.
        jitter = 1.0 + 0.02 * dsp.slow_noise(rng, mc, rate, 4.0, control_rate=rate)
        freq = dsp.upsample(rng.uniform(*beat_range) * jitter * doppler / low_sr, kc, m)
        cycles = np.cumsum(freq, dtype=np.float64) + rng.random()
        ramp = (cycles - np.floor(cycles)).astype(np.float32)
        # Saw plus a half-amplitude pulse at the wing's stroke reversal: buzzy, not a pure saw.
        wave = 2.0 * ramp - 1.0
        wave += 0.5 * (ramp < 0.25).astype(np.float32) - 0.125
        gl, gr = dsp.pan_gains(pan)
        out[0] += wave * dsp.upsample(level * gl, kc, m)
        out[1] += wave * dsp.upsample(level * gr, kc, m)

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
