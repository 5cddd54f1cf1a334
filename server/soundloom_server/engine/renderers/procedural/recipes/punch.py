"""Punch: a fist landing on a body: a low chest thump and a short slap of skin and cloth."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def synth(req: SynthRequest) -> np.ndarray:
    """Thump (a sine dropping 150 -> 60 Hz) + low body noise + a quiet high slap."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    m = min(n, int(0.3 * sr))
    t = np.arange(m) / sr
    at = 0.004
    # The body's cavity thumps lower and longer for a heavy blow on a big target.
    f_hi, f_lo = rng.uniform(130.0, 160.0) - 30.0 * size, rng.uniform(55.0, 70.0) - 10.0 * size
    drop = rng.uniform(0.02, 0.035)
    freq = f_lo + (f_hi - f_lo) * np.exp(-np.maximum(t - at, 0.0) / drop)
    phase = 2.0 * np.pi * np.cumsum(freq) / sr
    thump = np.sin(phase) * dsp.envelope_ad(t - at, 0.003, 0.045 + 0.035 * size)
    body = dsp.filt(
        dsp.lowpass(250.0, sr, order=4),
        dsp.white(rng, m) * dsp.envelope_ad(t - at, 0.002, 0.025).astype(np.float32),
    )
    slap = dsp.filt(
        dsp.bandpass(900.0, 5000.0, sr),
        dsp.white(rng, m) * dsp.envelope_ad(t - at, 0.0005, 0.006).astype(np.float32),
    )
    slap_level = (0.08 + 0.12 * intensity) * rng.uniform(0.8, 1.2)
    mono = (
        thump / (np.abs(thump).max() + 1e-9)
        + 0.5 * body / (dsp.peak_of(body) + 1e-9)
        + slap_level * slap / (dsp.peak_of(slap) + 1e-9)
    ).astype(np.float32)
    gl, gr = dsp.pan_gains(rng.uniform(-0.2, 0.2))
    out = np.zeros((n, 2), np.float32)
    out[:m, 0], out[:m, 1] = mono * np.float32(gl), mono * np.float32(gr)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="punch",
    family="impacts",
    kind=EventKind.SFX,
    description="A punch landing on a body: a short low thump with a slap of skin and cloth.",
    tags=(
        "punch", "punches", "punching", "punched", "fist", "fistfight", "fist fight", "brawl",
        "brawling", "body blow", "body hit", "jab", "uppercut", "hook punch", "kick", "kicked",
        "beat up", "melee", "fighting", "fight", "gut punch",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=0.6,
)  # fmt: skip
