"""Whoosh: something swung fast through the air; the swish's band and level arc up and down."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._weapons import swing

RATE = ParamSpec("rate", 0.5, doc="Swing speed: 0 a slow heavy sweep .. 1 a fast whip")


def synth(req: SynthRequest) -> np.ndarray:
    """One swing: faster is shorter and higher; bigger is lower and broader."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    size, rate = req.number("size"), req.number("rate")
    length = (0.75 - 0.45 * rate) * (0.8 + 0.4 * size) * rng.uniform(0.9, 1.1)
    length = min(length, 0.9 * n / sr - 0.01)
    peak_hz = (600.0 + 1400.0 * rate) * 2.0 ** (-1.2 * (size - 0.5)) * rng.uniform(0.9, 1.1)
    q = 1.0 + 1.5 * (1.0 - size) * rng.uniform(0.8, 1.2)  # thin blades whistle, cloaks rush
    swish = swing(rng, length, peak_hz, sr, q=q, peak_at=rng.uniform(0.5, 0.6))
    out = np.zeros((n, 2), np.float32)
    dsp.place(out, swish * np.float32(0.6 + 0.4 * intensity), int(0.01 * sr))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="whoosh",
    family="weapons",
    kind=EventKind.SFX,
    description="A fast swing through the air: a swish that swells and falls in pitch and level.",
    tags=(
        "whoosh", "whooshes", "woosh", "swoosh", "swish", "swishing", "swing", "swings",
        "swinging", "sword swing", "swipe", "slash", "whip", "whipping", "staff swing",
        "bat swing", "fly by", "flyby", "passes by", "zips past", "rushes past",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, RATE),
    typical_duration_s=1.0,
)  # fmt: skip
