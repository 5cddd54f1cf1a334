"""Notification: a gentle chime, two or three bell-bar notes ringing out, "you have a message".

Tuned metal bars (a glockenspiel or vibraphone-like bar: modes 1, 2.76, 5.40) struck by a
medium mallet in a rising arpeggio of a major chord, each ringing ~0.8 s, in a small room.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import BAR_RATIOS, hall
from soundloom_server.engine.renderers.procedural.recipes._ui import notes

STYLE = ParamSpec("style", "chime", choices=("chime", "ding"), doc="a rising chime or one ding")


def synth(req: SynthRequest) -> np.ndarray:
    """A rising major arpeggio (or one note) on bell bars, a touch of room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    root = rng.uniform(880.0, 1200.0)
    steps = (0, 4, 7) if req.word("style") == "chime" else (0,)
    pitches = (
        [root * 2.0 ** (s / 12.0) for s in steps[: 2 + int(rng.random() < 0.5)]]
        if len(steps) > 1
        else [root]
    )
    mono = notes(rng, n, sr, pitches, rng.uniform(0.1, 0.13), 0.9, BAR_RATIOS[:3], 0.55)
    out = hall(rng, mono, sr, 0.5, 0.15)
    return dsp.finish_one_shot(out, sr, intensity, distance, 0.1)


RECIPE = Recipe(
    name="notification",
    family="ui",
    kind=EventKind.SFX,
    description="A notification chime: two or three gentle bell notes for a message or alert.",
    tags=(
        "notification", "notification sound", "notify", "alert chime", "message", "new message",
        "message received", "incoming message", "ping", "ding", "chime", "reminder",
        "achievement", "unlocked", "toast", "text message",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, STYLE),
    typical_duration_s=1.2,
)  # fmt: skip
