"""Laughing: an exhaled bout of breathy "ha" calls, falling in pitch, ending on a gasp.

Laughter (Bachorowski et al. 2001; Provine) is not speech: the chest squeezes the breath out in
a series of 4-8 calls ~0.2 s apart, each an aspirated "h" then a short, very breathy open vowel
at a pitch well above speech (1.5-2.5x), with no articulation between them: the mouth holds one
spread "a". The calls come irregularly and slow down, get weaker and lower as the lungs empty,
some lose their voicing altogether, and the bout ends with a noisy intake of air.
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


def _call_onsets(rng: np.random.Generator, calls: int) -> np.ndarray:
    """Call start times (s): ~5 a second at first, irregular, slowing as the breath runs out."""
    gaps = rng.uniform(0.16, 0.21) * rng.uniform(0.8, 1.25, calls) * np.linspace(1.0, 1.4, calls)
    return rng.uniform(0.02, 0.05) + np.r_[0.0, np.cumsum(gaps[:-1])]


def _bout(
    rng: np.random.Generator, n: int, sr: int, calls: int, who: str, effort: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per-frame f0, voicing and breath of a bout of calls, and the time the bout ends (s)."""
    base = vox.SPEAKING_F0[who] * rng.uniform(1.6, 2.2) * (0.9 + 0.2 * effort)
    t = np.arange(n) / sr
    # The bout's pitch falls with the subglottal pressure; each call rises then falls a little.
    f0 = np.full(n, base) * vox.curve([0.0, 1.2], [1.0, 0.75], n, sr)
    voiced, breath = np.zeros(n), np.zeros(n)
    onsets = _call_onsets(rng, calls)
    for i, onset in enumerate(onsets):
        h_s, vowel_s = rng.uniform(0.03, 0.06), rng.uniform(0.06, 0.1)
        fade = (1.0 - 0.55 * i / max(calls - 1, 1)) * rng.uniform(0.8, 1.0)
        # A tired call loses its voice: only the exhaled "h" is left.
        voicing = 0.0 if i > 1 and rng.uniform() < 0.2 else 1.0
        h = (t - onset) / (h_s + vowel_s)
        call = (h >= 0.0) & (h < 1.0)
        breath[call] += fade * np.sin(np.pi * h[call]) ** 0.7 * (1.0 - 0.5 * h[call])
        u = (t - onset - h_s) / vowel_s
        inside = (u >= 0.0) & (u < 1.0)
        voiced[inside] += voicing * fade * np.sin(np.pi * u[inside]) ** 0.6
        f0[inside] *= rng.uniform(0.92, 1.08) * (
            1.0 + 0.12 * np.sin(np.pi * u[inside]) - 0.1 * u[inside]
        )
    end = onsets[-1] + 0.2
    # The gasp: a quick, noisy intake after a short pause.
    gasp = end + rng.uniform(0.05, 0.12)
    breath += 0.7 * vox.curve(
        [0.0, gasp, gasp + 0.04, gasp + 0.2, gasp + 0.3], [0.0, 0.0, 1.0, 0.7, 0.0], n, sr
    )
    return f0, voiced, breath, gasp


def synth(req: SynthRequest) -> np.ndarray:
    """One bout of laughter through a held, spread "ha" vowel, in a room's reflections."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    who = req.word("voice")
    f0, voiced, breath, gasp = _bout(rng, n, sr, round(req.number("calls")), who, intensity)
    scale = vox.TRACT_SCALE[who] * rng.uniform(0.95, 1.05)
    # A laughing mouth is open and spread (high F1, a raised F2); the intake is through a
    # narrower, higher tongue.
    spread = vox.vowel("a", scale) * np.array([1.1, 1.25, 1.0, 1.0, 1.0])
    formants = vox.formant_path(
        [0.0, gasp, gasp + 0.05], [spread, spread, vox.vowel("e", scale)], n, sr
    )
    # Breathy phonation: soft closure, strong, mostly steady airflow through the open glottis.
    source = vox.Source(
        jitter=0.03, shimmer=0.2, corner_hz=350.0 + 400.0 * intensity, closing_hz=1500.0
    )
    mono = vox.voice(rng, sr, f0, voiced, 0.9 * breath, formants, source)
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
