"""Cat meowing: "m-ia-ow" calls, a voiced glide as the mouth opens and closes.

A meow (Schötz's phonetics of cat vocalisation) starts with the mouth closed (a nasal "m"), opens
to a wide vowel with formants high (F1 ~ 1 kHz, F2 ~ 2 kHz in a ~8 cm tract) and closes to a
rounded "ow", while the pitch (~500-700 Hz) rises into the call and falls at its end. Kittens are
higher and shorter; a big tomcat lower, longer and rougher.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

MEOWS = ParamSpec("meows", 1.0, low=1.0, high=4.0, doc="Meows in a row: 1 .. 4")
# Formant keyframes (Hz) of a meow for a grown cat (a 6-8 cm tract with a wide gape): closed
# "m", open "ia", rounded "ow".
_CLOSED = np.array([620.0, 2120.0, 4120.0, 5750.0, 7500.0])
_OPEN = np.array([1600.0, 2600.0, 4000.0, 5200.0, 6500.0])
_ROUNDED = np.array([870.0, 1620.0, 4000.0, 5620.0, 7500.0])


def _meow(rng: np.random.Generator, sr: int, size: float, effort: float) -> dsp.Audio:
    """One meow (mono, peak 1)."""
    length = (0.6 + 0.6 * size) * rng.uniform(0.75, 1.3) * (0.9 + 0.3 * effort)
    n = int((length + 0.05) * sr)
    f0 = 850.0 * 1.6 ** (0.5 - size) * rng.uniform(0.88, 1.12) * (0.92 + 0.16 * effort)
    # Pitch rises into the call (peak around 40 %), then falls below where it started.
    peak_at = rng.uniform(0.3, 0.5)
    f0_curve = vox.curve(
        [0.0, peak_at * length, length], [0.8 * f0, f0 * rng.uniform(1.1, 1.25), 0.7 * f0], n, sr
    )
    # A gentle vibrato: a cat's call is sung, not spoken.
    t = np.arange(n) / sr
    f0_curve *= 1.0 + 0.012 * np.sin(2.0 * np.pi * rng.uniform(5.0, 7.0) * t)
    env = vox.curve([0.0, 0.08 * length, 0.75 * length, length], [0.0, 1.0, 0.8, 0.0], n, sr)
    env *= vox.curve([0.0, 0.1 * length, 0.2 * length], [0.35, 0.35, 1.0], n, sr)  # the "m"
    scale = 1.25 ** (0.5 - size) * rng.uniform(0.94, 1.06)
    formants = vox.formant_path(
        [0.0, 0.12 * length, 0.45 * length, 0.9 * length],
        [_CLOSED * scale, _OPEN * scale, _OPEN * scale * 0.95, _ROUNDED * scale],
        n,
        sr,
    )
    source = vox.Source(jitter=0.015, shimmer=0.06, corner_hz=900.0 + 600.0 * effort)
    breath = 0.2 * env
    wet = vox.voice(rng, sr, f0_curve, env, breath, formants, source, (120, 160, 250, 320, 400))
    return wet * np.float32(1.0 / (dsp.peak_of(wet) + 1e-9))


def synth(req: SynthRequest) -> np.ndarray:
    """One or more meows with pauses, in a room's soft reflections."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    mono = np.zeros(n, np.float32)
    t = rng.uniform(0.02, 0.06)
    for i in range(round(req.number("meows"))):
        if t * sr >= n:
            break
        meow = _meow(rng, sr, size, intensity)
        dsp.place(mono, meow, int(t * sr), 1.0 if i == 0 else rng.uniform(0.6, 1.0))
        t += meow.shape[0] / sr + rng.uniform(0.25, 0.7)
    out = vox.reflections(rng, mono, sr, 0.35, 0.1 + 0.2 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.1)


RECIPE = Recipe(
    name="cat_meow",
    family="animals",
    kind=EventKind.SFX,
    description="A cat meowing: a voiced mee-ow, its pitch and vowel rising and falling.",
    tags=(
        "cat", "cats", "meow", "meows", "meowing", "miaow", "miaowing", "mew", "mewing",
        "kitten", "kitty", "kittens", "tomcat", "tom cat", "house cat", "cat meowing",
        "meowing cat", "hungry cat", "stray cat", "feline", "moggy",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, MEOWS),
    typical_duration_s=1.4,
)  # fmt: skip
