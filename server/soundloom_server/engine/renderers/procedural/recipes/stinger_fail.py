"""Fail stinger: a descending minor phrase on muted trombone, the sad "wah wah wah waaah".

Three falling semitone steps and a long last note a semitone lower still, on a low brass
voice whose bell is opened and closed by a plunger mute (a slow formant sweep on each note,
vibrato widening on the last one), over a soft low minor chord and one muffled timpani note.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import (
    brass_body,
    brass_note,
    hall,
    note_hz,
    timpani_hit,
)

STEPS = (0, -1, -2, -3)  # semitones from the first note: wah, wah, wah, waaah


def plunger(n: int, sr: int, notes: list[tuple[int, int]]) -> np.ndarray:
    """Mute opening per note: closed at each attack, opening then closing ("wah")."""
    open_ = np.zeros(n, np.float32)
    for start, length in notes:
        u = np.linspace(0.0, 1.0, max(length, 1), dtype=np.float32)
        dsp.place(open_, np.maximum(np.sin(np.pi * np.minimum(u * 1.6, 1.0)), 0.0) ** 1.5, start)
    return open_


def synth(req: SynthRequest) -> np.ndarray:
    """The falling line, muted bright/dark by the plunger, over a low minor chord."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    beat = 60.0 / rng.uniform(88.0, 100.0)
    first = -14 + int(rng.integers(-2, 3))  # around G3
    line = np.zeros(n, np.float32)
    spans = []
    for i, step in enumerate(STEPS):
        length = beat * (0.85 if i < 3 else min(2.6, max(0.5, n / sr - 3.2 * beat)))
        start = int(i * beat * sr)
        note = brass_note(rng, note_hz(first + step), length, sr, 0.75 + 0.2 * intensity, 0.06)
        dsp.place(line, note, start)
        spans.append((start, note.shape[0]))
    # The plunger: open, the full bright horn; closed, only the lows get out.
    bright = dsp.filt(brass_body(sr, 900.0), line)
    dark = dsp.filt(dsp.lowpass(500.0, sr, order=2), line)
    mute = plunger(n, sr, spans)
    out = bright * mute + dark * (1.0 - mute)
    chord = np.zeros(n, np.float32)
    for semis in (-12, -9, -5):  # a minor triad an octave under the last note
        dsp.place(
            chord,
            brass_note(
                rng, note_hz(first - 3 + semis), max(0.3, n / sr - 3.0 * beat - 0.4), sr, 0.4, 0.2
            ),
            int(3 * beat * sr),
        )
    out += np.float32(0.35) * dsp.filt(dsp.lowpass(900.0, sr), chord)
    drum = timpani_hit(rng, note_hz(first - 15), sr, min(n, int(2.0 * sr)), 0.4)
    dsp.place(out, drum, int(3 * beat * sr), 0.5)
    # A stinger is a close, studio-dry cue: a short room. A long, wet hall under a low held
    # brass note is the sound of a horn carrying across open water.
    stereo = hall(rng, out, sr, 1.1, 0.3 + 0.4 * distance)
    return dsp.finish_one_shot(stereo, sr, intensity, distance, 0.4)


RECIPE = Recipe(
    name="stinger_fail",
    family="music",
    kind=EventKind.SFX,
    description="A fail stinger: a sad descending minor 'wah wah wah waaah' on muted brass.",
    tags=(
        "stinger fail", "fail", "failure", "fail jingle", "sad trombone", "wah wah",
        "wah wah wah", "game over", "you lose", "defeat", "mission failed", "level failed",
        "try again", "sad jingle", "losing jingle", "womp womp",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=3.0,
)  # fmt: skip
