"""UI confirm: two quick rising notes on a soft mallet bar, a bright "yes".

A marimba-like bar (its overtones two octaves and a bit up) struck twice, the second a fifth or
a major third above: rising intervals read as positive, completion. Short ring, no tail.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import MARIMBA_RATIOS
from soundloom_server.engine.renderers.procedural.recipes._ui import finish, notes

INTERVAL = ParamSpec("interval", "fifth", choices=("fifth", "third", "octave"), doc="the step up")
SEMITONES = {"fifth": 7, "third": 4, "octave": 12}


def synth(req: SynthRequest) -> np.ndarray:
    """Two notes rising by the interval, 70-90 ms apart."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    low = rng.uniform(700.0, 900.0)
    high = low * 2.0 ** (SEMITONES[req.word("interval")] / 12.0)
    out = notes(rng, n, sr, [low, high], rng.uniform(0.07, 0.09), 0.35, MARIMBA_RATIOS, 0.6)
    return finish(out, sr, intensity, distance)


RECIPE = Recipe(
    name="ui_confirm",
    family="ui",
    kind=EventKind.SFX,
    description="A UI confirm: two quick rising notes, a bright positive accept or success beep.",
    tags=(
        "ui confirm", "confirm", "confirmation", "accept", "accepted", "ok", "success",
        "success beep", "positive feedback", "submit", "menu confirm", "button confirm",
        "purchase", "correct answer", "approve",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, INTERVAL),
    typical_duration_s=0.6,
)  # fmt: skip
