"""Notification: a gentle chime, two or three bell-bar notes ringing out, "you have a message".

Tuned steel bars (a glockenspiel-like free bar: modes 1, 2.76, 5.40) struck with a soft rubber
mallet in an unhurried rising arpeggio of a major chord, each note ringing on under the next, in
a small room. The mallet's contact lasts a fraction of the note's period (shorter than ~1/(2f)),
so it drives the fundamental fully and the upper modes less; a contact longer than the period
would choke the note and leave only a dull knock. A bar radiates as a dipole, its two faces
moving in opposite phase, so nothing below its fundamental reaches the ear: no thump.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import BAR_RATIOS, hall
from soundloom_server.engine.renderers.procedural.recipes._ui import sequence

STYLE = ParamSpec("style", "chime", choices=("chime", "ding"), doc="a rising chime or one ding")


def bar_note(rng: np.random.Generator, freq: float, ring_s: float, sr: int) -> dsp.Audio:
    """One steel bar struck softly: its modes, the upper ones dying faster, radiated (peak 1)."""
    n = int(ring_s * sr)
    ratios = np.asarray(BAR_RATIOS[:3]) * rng.uniform(0.997, 1.003, 3)
    ir = dsp.modal_ir(freq * ratios, ring_s * ratios**-0.8, (1.0, 0.3, 0.1), n, sr)
    contact = dsp.half_sine(rng.uniform(0.3, 0.45) / freq, sr)  # under half a period
    dipole = dsp.highpass(0.7 * freq, sr)  # faces in antiphase: no sound below the note
    out = dsp.filt(dipole, dsp.convolve(contact, ir, n))
    return out / np.float32(dsp.peak_of(out) + 1e-9)


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
    step_s = rng.uniform(0.15, 0.19)  # unhurried: quicker runs are a phone's ring
    mono = sequence([bar_note(rng, pitch, 2.0, sr) for pitch in pitches], n, sr, step_s)
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
