"""Victory stinger: a short brass fanfare in a major key, with timpani under the last chord.

Trumpets play a triplet pickup on the dominant into an arpeggio up the tonic triad, and the
section lands on a held major chord; the timpani strikes tonic and dominant with the landing.
Each note is a brass voice (brightness growing with breath, lip scoop, late vibrato) through
the bell's formant, in a concert hall.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import (
    brass_body,
    brass_note,
    hall,
    note_hz,
    timpani_hit,
)

KEY = ParamSpec("key", "C", choices=("C", "D", "Eb", "F", "G", "Bb"), doc="the fanfare's key")
KEY_SEMITONES = {"C": 3, "D": 5, "Eb": 6, "F": 8, "G": -2, "Bb": 1}  # tonic above A4
# (beat, length in beats, semitone above the tonic, voice level): pickup, arpeggio, chord.
MELODY = (
    (0.0, 0.3, -5, 0.8), (0.33, 0.3, -5, 0.8), (0.67, 0.3, -5, 0.85),
    (1.0, 0.9, 0, 0.9), (2.0, 0.45, 4, 0.9), (2.5, 0.45, 7, 0.95),
)  # fmt: skip
CHORD = (0, 4, 7, 12)  # the landing: tonic major, the top voice on the octave


def synth(req: SynthRequest) -> np.ndarray:
    """Pickup, arpeggio and a held chord on brass, timpani with the chord, in a hall."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    beat = 60.0 / rng.uniform(112.0, 126.0)
    tonic = KEY_SEMITONES[req.word("key")] - 12
    out = np.zeros(n, np.float32)
    for at, length, semis, level in MELODY:
        note = brass_note(
            rng, note_hz(tonic + semis), length * beat, sr, level * (0.7 + 0.3 * intensity)
        )
        dsp.place(out, note, int(at * beat * sr))
    land = 3.0 * beat
    hold = max(0.3, n / sr - land - 0.9)
    for semis in CHORD:
        note = brass_note(
            rng, note_hz(tonic + semis), hold, sr, 0.85 + 0.15 * intensity, swell_s=0.08
        )
        dsp.place(out, note, int((land + rng.uniform(0, 0.012)) * sr), 0.6)
    out = dsp.filt(brass_body(sr, 1300.0), out)
    # Two kettles, tuned to the tonic and the dominant below it: tonic, dominant, tonic.
    drum_len = min(n, int(1.8 * sr))
    tonic_drum = timpani_hit(rng, note_hz(tonic - 12), sr, drum_len, 0.8)
    fifth_drum = timpani_hit(rng, note_hz(tonic - 17), sr, drum_len, 0.8)
    for at, drum in (
        (land, tonic_drum),
        (land + 0.5 * beat, fifth_drum),
        (land + beat, tonic_drum),
    ):
        dsp.place(out, drum, int(at * sr), 0.7)
    stereo = hall(rng, out, sr, 1.8, 0.4 + 0.4 * distance)
    return dsp.finish_one_shot(stereo, sr, intensity, distance, 0.4)


RECIPE = Recipe(
    name="stinger_victory",
    family="music",
    kind=EventKind.SFX,
    description="A victory stinger: a short triumphant brass fanfare landing on a major chord.",
    tags=(
        "stinger victory", "victory", "victory fanfare", "fanfare", "triumph", "triumphant",
        "win", "winning", "you win", "level complete", "level cleared", "quest complete",
        "mission complete", "success jingle", "victory jingle", "brass fanfare", "trumpets",
        "hooray", "celebration",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, KEY),
    typical_duration_s=3.0,
)  # fmt: skip
