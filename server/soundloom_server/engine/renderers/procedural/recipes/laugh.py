"""Laughing: a bout of voiced "ha" calls, each led by breath, falling in pitch, ending on an inhale.

Laughter (Bachorowski et al.) is a series of 4-8 calls about 0.2 s apart: each an aspirated "h"
then a short open vowel, at a pitch well above speech that falls through the bout as the breath
runs out; the bout ends with a noisy intake of air. Only the source and the vowel's formants
make it: there are no words.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

VOICE = ParamSpec(
    "voice", "man", choices=tuple(vox.TRACT_SCALE), doc="Who laughs: man, woman, child"
)
CALLS = ParamSpec("calls", 6.0, low=2.0, high=10.0, doc="'Ha' calls in the bout: 2 .. 10")


def _bout(
    rng: np.random.Generator, n: int, sr: int, calls: int, who: str, effort: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Per-frame f0, voicing and breath of a bout of calls, the formant path, and its end (s)."""
    f0 = np.full(n, vox.SPEAKING_F0[who] * rng.uniform(2.0, 2.5) * (0.9 + 0.2 * effort))
    voiced, breath = np.zeros(n), np.zeros(n)
    t = np.arange(n) / sr
    period = rng.uniform(0.17, 0.23)
    start = rng.uniform(0.02, 0.05)
    for i in range(calls):
        onset = start + (i + rng.uniform(-0.08, 0.08)) * period
        vowel_s = rng.uniform(0.07, 0.11)
        # The breath runs out: later calls are weaker and lower.
        fade = 1.0 - 0.6 * i / max(calls - 1, 1)
        u = (t - onset - 0.03) / vowel_s
        inside = (u >= 0.0) & (u < 1.0)
        voiced[inside] += fade * np.sin(np.pi * u[inside]) ** 0.6
        # Laughter is breathy: air leaks through the vowel as well as leading it.
        breath[inside] += 0.5 * fade * np.sin(np.pi * u[inside])
        h = (t - onset) / 0.05
        aspirated = (h >= 0.0) & (h < 1.0)
        breath[aspirated] += 1.5 * fade * np.sin(np.pi * h[aspirated])
        f0[inside] *= (1.0 - 0.15 * i / calls) * (1.05 - 0.1 * u[inside])
    end = start + calls * period
    breath += 0.35 * vox.curve(
        [0.0, end, end + 0.05, end + 0.35, end + 0.4], [0.0, 0.0, 1.0, 0.6, 0.0], n, sr
    )
    scale = vox.TRACT_SCALE[who] * rng.uniform(0.95, 1.05)
    formants = vox.formant_path(
        [0.0, end, end + 0.1],
        [vox.vowel("a", scale), vox.vowel("ae", scale), vox.vowel("i", scale)],
        n,
        sr,
    )
    return f0, voiced, breath, formants, end


def synth(req: SynthRequest) -> np.ndarray:
    """One bout of laughter through a "ha" vowel, in a room's reflections."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    calls = round(req.number("calls"))
    f0, voiced, breath, formants, _ = _bout(rng, n, sr, calls, req.word("voice"), intensity)
    source = vox.Source(jitter=0.03, shimmer=0.15, corner_hz=500.0 + 600.0 * intensity)
    mono = vox.voice(rng, sr, f0, voiced, breath, formants, source)
    out = vox.reflections(rng, mono, sr, 0.4, 0.1 + 0.2 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.1)


RECIPE = Recipe(
    name="laugh",
    family="voices",
    kind=EventKind.SFX,
    description="Someone laughing: a bout of breathy ha-ha-ha calls, falling, ending on a gasp.",
    tags=(
        "laugh", "laughs", "laughing", "laughter", "ha ha", "haha", "giggle", "giggles",
        "giggling", "chuckle", "chuckles", "chuckling", "cackle", "cackling", "evil laugh",
        "belly laugh", "guffaw", "snicker", "chortle", "laughing man", "laughing woman",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, VOICE, CALLS),
    typical_duration_s=1.8,
)  # fmt: skip
