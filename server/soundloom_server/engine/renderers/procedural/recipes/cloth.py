"""Cloth: fabric rustling as someone moves, swishes of rough friction noise.

Fabric sliding over fabric is friction noise whose level and brightness follow the speed of
the movement, a gesture of a few movements; the fibres of the weave catch and let go, so the
rub is rough and crackly in its fine structure, mostly between 1 and 8 kHz.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def gestures(rng: np.random.Generator, n: int, sr: int, intensity: float) -> np.ndarray:
    """Movement speed over time: two to five movements in one gesture (an arm through a sleeve,
    a coat settling on the shoulders), each a swell of 0.2-0.8 s that comes on faster than it
    eases."""
    t = np.arange(n) / sr
    span = n / sr
    speed = np.zeros(n)
    count = int(rng.integers(2, 6))
    starts = np.sort(rng.uniform(0.0, 0.5 * span, count))
    for at in starts:
        # Brisk movements (intensity) are shorter and faster.
        length = min(rng.uniform(0.2, 0.6) * (1.3 - 0.5 * intensity), 0.85 * span - at)
        x = np.clip((t - at) / max(length, 0.05), 0.0, 1.0)
        # A limb accelerates and then slows to rest: the peak comes at about a third.
        speed += rng.uniform(0.5, 1.0) * np.sin(np.pi * x**0.6) ** 2
    return np.clip(speed, 0.0, 1.5)


def synth(req: SynthRequest) -> np.ndarray:
    """Fabric rubbing fabric, rough with fibres catching, following the movement's speed.

    The weave's fibres catch and let go thousands of times a second, unevenly: the friction
    noise is not a smooth hiss but a rough, crackly grain (a lognormal flutter a few hundred
    times a second), mostly between 1 and 8 kHz; the dull part of the rub under it is weaker.
    """
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    speed = gestures(rng, n, sr, intensity).astype(np.float32)
    # Fibres catching: a rough, positive flutter whose spikes are the crackle of the weave.
    rough = np.exp(0.45 * dsp.slow_noise(rng, n, sr, 300.0, control_rate=2000)).astype(np.float32)
    dull = dsp.filt(dsp.bandpass(300.0, 1000.0, sr), dsp.white(rng, n))
    bright = dsp.filt(dsp.bandpass(1000.0, 7000.0, sr, order=2), dsp.white(rng, n))
    # Faster rubbing is brighter: the bright part grows with the speed.
    mono = (
        speed
        * rough
        * (np.float32(0.3) * dull + np.float32(0.6 + 0.4 * intensity) * speed * bright)
    )
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
