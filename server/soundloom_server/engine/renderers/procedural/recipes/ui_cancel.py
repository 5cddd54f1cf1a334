"""UI cancel: two soft falling notes, a muted "no thanks" or back.

The same kind of mallet bar as confirm, but struck softer and falling a fourth: descending
intervals read as closing, undoing. A darker mallet (longer contact) keeps it unobtrusive.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import MARIMBA_RATIOS
from soundloom_server.engine.renderers.procedural.recipes._ui import finish, notes


def synth(req: SynthRequest) -> np.ndarray:
    """Two notes falling a fourth, soft mallet."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    high = rng.uniform(650.0, 800.0)
    low = high * 2.0 ** (-5.0 / 12.0)
    out = notes(rng, n, sr, [high, low], rng.uniform(0.08, 0.1), 0.3, MARIMBA_RATIOS, 0.25)
    return finish(out, sr, intensity, distance)


RECIPE = Recipe(
    name="ui_cancel",
    family="ui",
    kind=EventKind.SFX,
    description="A UI cancel or back: two soft falling notes for closing a menu or undoing.",
    tags=(
        "ui cancel", "cancel", "cancelled", "go back", "close menu", "dismiss",
        "decline", "undo", "menu back", "exit menu", "button cancel",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=0.5,
)  # fmt: skip
