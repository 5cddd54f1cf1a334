"""Tension stinger: a rising suspense swell, strings climbing in a cluster over a drum roll.

A string section plays a tight cluster (a minor second apart) that glides upward while it
swells from nothing, bowed tremolo thickening it; low strings hold a pedal; a timpani roll
grows under it and the whole stops on a final hit. Rising pitch and level with dissonance is
the orchestral grammar of dread.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import (
    hall,
    note_hz,
    saw_ensemble,
    timpani_hit,
)


def _strings(rng: np.random.Generator, n: int, sr: int, base: float, rise: float) -> dsp.Audio:
    """A cluster of three bowed voices a semitone apart gliding up `rise` octaves, swelling."""
    u = np.linspace(0.0, 1.0, n, dtype=np.float32)
    glide = 2.0 ** (rise * u**1.6)
    out = np.zeros(n, np.float32)
    for semis in (0, 1, 3):
        out += saw_ensemble(rng, base * 2.0 ** (semis / 12.0) * glide, n, sr, 4, 12.0)
    # Bowed tremolo: the bow changes direction ~10 times a second, faster as it builds.
    trem = 1.0 - 0.3 * (0.5 + 0.5 * np.sin(2 * np.pi * np.cumsum(8.0 + 6.0 * u) / sr))
    body = dsp.cascade(
        dsp.highpass(180.0, sr),
        dsp.peak(500.0, 1.2, 4.0, sr),
        dsp.peak(2800.0, 1.5, 3.0, sr),
        dsp.lowpass(6000.0, sr),
    )
    return dsp.filt(body, out * trem.astype(np.float32))


def synth(req: SynthRequest) -> np.ndarray:
    """Swell (level ~ u^2), rising cluster, pedal, growing roll, final hit."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    span = n / sr
    hit_at = span - min(1.2, 0.3 * span)
    m = max(1, int(hit_at * sr))
    u = np.linspace(0.0, 1.0, m, dtype=np.float32)
    swell = u**2
    high = _strings(rng, m, sr, note_hz(-9 + int(rng.integers(-2, 3))), 0.7 + 0.3 * intensity)
    pedal = dsp.filt(dsp.lowpass(800.0, sr), saw_ensemble(rng, note_hz(-33), m, sr, 3, 8.0))
    out = np.zeros(n, np.float32)
    out[:m] = (
        high / np.float32(dsp.rms_of(high) + 1e-9)
        + np.float32(0.6) * pedal / np.float32(dsp.rms_of(pedal) + 1e-9)
    ) * swell
    # The timpani roll: strokes every ~60 ms, growing with the swell.
    drum = timpani_hit(rng, note_hz(-33), sr, int(1.5 * sr), 0.5)
    roll = np.arange(0.3 * hit_at, hit_at, rng.uniform(0.055, 0.07))
    for at in roll:
        level = ((at / hit_at) ** 2) * rng.uniform(0.7, 1.0)
        dsp.place(out, drum, int((at + rng.normal(0, 0.004)) * sr), 0.35 * level)
    dsp.place(out, timpani_hit(rng, note_hz(-33), sr, int(2.0 * sr), 1.0), m, 1.4)
    stereo = hall(rng, out, sr, 2.0, 0.45 + 0.4 * distance)
    return dsp.finish_one_shot(stereo, sr, intensity, distance, 0.5)


RECIPE = Recipe(
    name="stinger_tension",
    family="music",
    kind=EventKind.SFX,
    description="A tension stinger: strings rising and swelling in a dissonant cluster to a hit.",
    tags=(
        "stinger tension", "tension", "suspense", "suspenseful", "tense", "dread", "rising tension",
        "suspense sting", "horror sting", "riser", "building tension", "ominous swell",
        "scary music", "jump scare", "creepy strings", "dramatic sting",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=5.0,
)  # fmt: skip
