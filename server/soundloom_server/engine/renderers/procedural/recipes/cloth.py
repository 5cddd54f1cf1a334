"""Cloth: fabric rustling as someone moves, soft swishes of friction noise with fine crackle.

Fabric sliding over fabric is broadband friction noise whose level and brightness follow the
speed of the movement; stiff fibres add tiny crackles whose rate follows it too. Brightness is
a crossfade between a dull and a bright band driven by the speed, not a swept filter.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def gestures(rng: np.random.Generator, n: int, sr: int, intensity: float) -> np.ndarray:
    """Movement speed over time: one to three swishes, each a smooth swell."""
    t = np.arange(n) / sr
    span = n / sr
    speed = np.zeros(n)
    count = int(rng.integers(1, 4))
    starts = np.sort(rng.uniform(0.0, 0.55 * span, count))
    for at in starts:
        # Brisk movements (intensity) are shorter and faster.
        length = min(rng.uniform(0.25, 0.6) * (1.3 - 0.6 * intensity), 0.8 * span - at)
        x = np.clip((t - at) / max(length, 0.05), 0.0, 1.0)
        speed += rng.uniform(0.5, 1.0) * np.sin(np.pi * x) ** 2
    return np.clip(speed, 0.0, 1.5)


def synth(req: SynthRequest) -> np.ndarray:
    """Dull and bright friction bands crossfaded by speed, plus speed-driven crackle."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    speed = gestures(rng, n, sr, intensity).astype(np.float32)
    texture = (1.0 + 0.3 * dsp.slow_noise(rng, n, sr, 25.0)).astype(np.float32)
    dull = dsp.filt(dsp.bandpass(250.0, 1800.0, sr), dsp.white(rng, n))
    bright = dsp.filt(dsp.bandpass(1800.0, 7000.0, sr), dsp.white(rng, n))
    mono = speed * texture * (dull + np.float32(0.3 + 0.4 * intensity) * speed * bright)
    crackle_at = dsp.thin(
        rng, dsp.poisson_times(rng, 250.0 + 400.0 * intensity, n, sr), speed / 1.5
    )
    crackle = dsp.impulses(n, crackle_at, rng.uniform(-1.0, 1.0, crackle_at.shape[0]))
    crackle = dsp.filt(dsp.highpass(2500.0, sr), crackle)
    mono += np.float32(0.25 * dsp.peak_of(mono) / (dsp.peak_of(crackle) + 1e-9)) * crackle
    out = dsp.widen(mono, sr, delay_s=0.007, width=0.4)
    return dsp.finish_one_shot(out, sr, intensity, distance)


RECIPE = Recipe(
    name="cloth",
    family="foley",
    kind=EventKind.SFX,
    description="Cloth rustling: clothing, a coat or fabric swishing as someone moves.",
    tags=(
        "cloth", "clothes", "clothing", "fabric", "rustling clothes",
        "cloak", "coat", "jacket", "cape", "sleeve", "garment",
        "clothing rustle", "getting dressed", "shuffling", "fidgeting", "sheets", "blanket",
        "tarp", "flapping cloth",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=1.0,
)  # fmt: skip
