"""UI hover: the lightest touch, a soft tiny glass-like tick as the pointer crosses a button.

A small, hard bar (glass or metal) barely touched by a soft mallet: a high, pure tone with its
bar overtones, gone within ~60 ms, quieter than a click. Each seed picks a slightly different
pitch so a row of buttons does not repeat one tone exactly.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import BAR_RATIOS
from soundloom_server.engine.renderers.procedural.recipes._ui import finish, notes


def synth(req: SynthRequest) -> np.ndarray:
    """One tiny, soft, high bar tone."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    pitch = rng.uniform(1800.0, 2600.0)
    out = notes(rng, n, sr, [pitch], 0.0, 0.15, BAR_RATIOS[:2], 0.3)
    return finish(out, sr, intensity, distance)


RECIPE = Recipe(
    name="ui_hover",
    family="ui",
    kind=EventKind.SFX,
    description="A UI hover: a soft, tiny tick as the cursor moves over a button or item.",
    tags=(
        "ui hover", "hover", "hovering", "mouse over", "mouseover", "rollover", "highlight",
        "focus", "menu hover", "button hover", "cursor over", "tick",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=0.25,
)  # fmt: skip
