"""UI click: a button or switch pressed, a crisp snap of a small mechanism in its housing.

A tactile switch is a domed metal spring that buckles when pressed: a sub-millisecond snap that
rings the small plastic housing at a few kHz, then (for `press`) the release snap ~60-90 ms
later, weaker and higher. `soft` is a muted membrane key, its snap filtered by the rubber.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._ui import finish, switch_click

STYLE = ParamSpec(
    "style", "press", choices=("click", "press", "soft"), doc="click, press (down+up) or soft"
)


def synth(req: SynthRequest) -> np.ndarray:
    """The snap (and release) of the switch, centred and close."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, style = req.number("intensity"), req.number("distance"), req.word("style")
    body = rng.uniform(2500.0, 4000.0) * (0.5 if style == "soft" else 1.0)
    decay = 0.0015 if style != "soft" else 0.003
    out = np.zeros(n, np.float32)
    dsp.place(out, switch_click(rng, sr, body, decay), int(0.005 * sr))
    if style == "press":
        release = switch_click(rng, sr, body * 1.15, decay * 0.8)
        dsp.place(out, release, int(rng.uniform(0.06, 0.09) * sr), 0.5)
    if style == "soft":
        out = dsp.filt(dsp.lowpass(3000.0, sr, order=2), out)
    return finish(out, sr, intensity, distance)


RECIPE = Recipe(
    name="ui_click",
    family="ui",
    kind=EventKind.SFX,
    description="A UI click: a crisp button or switch snap for menus, buttons and toggles.",
    tags=(
        "ui click", "click", "clicks", "clicking", "button click", "mouse click", "tap",
        "button tap", "toggle", "switch click", "interface click", "menu click", "press a button",
        "clicks a button", "ui tap",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, STYLE),
    typical_duration_s=0.3,
)  # fmt: skip
