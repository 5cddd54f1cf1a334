"""Wolf howling: a long, nearly pure voiced glide, alone or with the pack joining in.

A howl is a sustained, steady phonation (Theberge & Falls: f0 150-780 Hz, 1-10 s), sung high in
that range (here ~430-560 Hz, well above a human groan): it swoops up from a lower onset, holds
with slow, irregular drifts (no regular vibrato: that is a siren's wail), and falls away at the
end. The mouth is rounded ("oo"), so the first formant sits near the fundamental and few
harmonics are heard. Outdoors the howl rings on in the forest's reflections.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

WOLVES = ParamSpec("wolves", 1.0, low=1.0, high=5.0, doc="Wolves howling: 1 (a lone wolf) .. 5")
_ROUNDED = np.array([600.0, 1050.0, 2500.0, 3400.0, 4300.0])  # an "oo" through a long snout


def _howl(rng: np.random.Generator, sr: int, seconds: float, effort: float) -> dsp.Audio:
    """One howl lasting about `seconds` (mono, peak 1)."""
    n = int(seconds * sr)
    f0 = rng.uniform(430.0, 540.0) * (0.95 + 0.1 * effort)
    # The wolf lifts into its note in a few tenths of a second (a slow, second-long wind-up
    # from far below is a siren's rotor spinning up).
    swoop = rng.uniform(0.3, 0.6)
    # A swoop up from well below the note, a held note that drifts, a fall at the end.
    f0_curve = vox.curve(
        [0.0, swoop, 0.5 * seconds, 0.8 * seconds, seconds],
        [0.6 * f0, f0, f0 * rng.uniform(0.97, 1.08), f0 * rng.uniform(0.95, 1.03), 0.72 * f0],
        n,
        sr,
    )
    # No regular vibrato (that is a siren's mark): an irregular wobble and a slow wander.
    f0_curve *= 1.0 + 0.007 * dsp.slow_noise(rng, n, sr, 7.0)
    f0_curve *= 1.0 + 0.01 * dsp.slow_noise(rng, n, sr, 2.0)
    env = vox.curve([0.0, 0.6 * swoop, 0.7 * seconds, seconds], [0.0, 1.0, 0.85, 0.0], n, sr)
    # The mouth opens a little through the held note ("oo-ooo-oh") and closes at the end.
    formants = vox.formant_path(
        [0.0, 0.4 * seconds, seconds], [_ROUNDED * 0.9, _ROUNDED * 1.1, _ROUNDED * 0.85], n, sr
    )
    source = vox.Source(jitter=0.01, shimmer=0.03, corner_hz=450.0 + 300.0 * effort)
    # Breathy: a howl is blown through a half-open mouth.
    wet = vox.voice(rng, sr, f0_curve, env, 0.25 * env, formants, source)
    return wet * np.float32(1.0 / (dsp.peak_of(wet) + 1e-9))


def synth(req: SynthRequest) -> np.ndarray:
    """The first wolf howls; others join a little later at their own pitches, spread in space."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    duration = n / sr
    out = np.zeros((n, 2), np.float32)
    for i in range(round(req.number("wolves"))):
        start = 0.03 if i == 0 else rng.uniform(0.3, 0.45) * duration
        length = (duration - start) * rng.uniform(0.75, 0.85)
        if length < 0.05:
            continue
        mono = np.zeros(n, np.float32)
        dsp.place(mono, _howl(rng, sr, length, intensity), int(start * sr))
        gl, gr = dsp.pan_gains(rng.uniform(-0.2, 0.2) if i == 0 else rng.uniform(-0.8, 0.8))
        level = 1.0 if i == 0 else rng.uniform(0.5, 0.8)
        out += mono[:, None] * np.array([gl * level, gr * level], np.float32)[None, :]
    # Forest reflections: long, and heavier when the wolf is far.
    # The far sound is mostly reflections, and they have crossed the air longest: duller.
    dull = min(5000.0, 0.5 * dsp.distance_cutoff(distance))
    wet = vox.reflections(rng, out.mean(axis=1), sr, 1.4, 0.25 + 0.35 * distance, dull)
    out += wet - out.mean(axis=1, keepdims=True)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.2)


RECIPE = Recipe(
    name="wolf_howl",
    family="animals",
    kind=EventKind.SFX,
    description="A wolf howling: a long, mournful rising and falling glide; a lone wolf or a pack.",
    tags=(
        "wolf", "wolves", "howl", "howls", "howling", "wolf howl", "wolf howling",
        "howling wolf", "howling wolves", "wolf pack", "pack of wolves", "werewolf", "coyote",
        "coyotes", "jackal", "baying", "bay at the moon", "howl at the moon", "timber wolf",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, WOLVES),
    typical_duration_s=4.0,
)  # fmt: skip
