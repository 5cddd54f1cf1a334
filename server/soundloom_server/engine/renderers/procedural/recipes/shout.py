"""Shouting: a wordless yell ("hey!", "ho!", "aah!"), loud pressed phonation through an open vowel.

A shout is speech effort pushed to its limit (Traunmüller & Eriksson): pitch nearly doubles, the
folds close hard (a shallower spectral roll-off, so more high harmonics), the jaw drops (F1
rises) and the call swells and falls over half a second to a second, led by a breathy onset.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

VOICE = ParamSpec(
    "voice", "man", choices=tuple(vox.TRACT_SCALE), doc="Who shouts: man, woman, child"
)
# Vowel glides of the calls: (start vowel, end vowel).
_CALLS = {"hey": ("e", "i"), "ho": ("o", "u"), "ah": ("a", "a"), "oi": ("o", "i")}
CALL = ParamSpec("call", "hey", choices=tuple(_CALLS), doc="The call: hey, ho, ah, oi")


def _contours(
    rng: np.random.Generator, n: int, sr: int, f0: float, length: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f0, voicing and breath of the effort gesture: a breathy onset, a swell, a break."""
    peak = rng.uniform(0.3, 0.5) * length
    # Pitch climbs with the subglottal pressure to the peak of effort, sags, then breaks
    # downward as the pressed folds give way at the end of the breath.
    f0_curve = vox.curve(
        [0.0, 0.08, peak, 0.8 * length, 0.9 * length, length],
        [0.7 * f0, 0.8 * f0, 1.12 * f0, 0.98 * f0, 0.8 * f0, 0.6 * f0],
        n,
        sr,
    )
    f0_curve *= 1.0 + 0.02 * dsp.slow_noise(rng, n, sr, 8.0)
    voiced = vox.curve([0.0, 0.05, peak, 0.8 * length, length], [0.0, 0.3, 1.0, 0.8, 0.0], n, sr)
    # Effortful voice leaks air all through: the "h" before it, and a roar of aspiration on it.
    breath = vox.curve([0.0, 0.01, 0.06, 0.12], [0.0, 0.8, 0.4, 0.0], n, sr) + 0.2 * voiced
    return f0_curve, voiced, breath


def synth(req: SynthRequest) -> np.ndarray:
    """One shout: an aspirated onset, a pressed, swelling vowel gliding to its end, a break."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    who = req.word("voice")
    first, last = _CALLS[req.word("call")]
    length = min(rng.uniform(0.6, 1.0), 0.85 * n / sr)
    # Shouting raises the voice's pitch by 1.7-2.4x (Traunmüller & Eriksson).
    f0 = vox.SPEAKING_F0[who] * rng.uniform(1.8, 2.3) * (0.85 + 0.3 * intensity)
    f0_curve, voiced, breath = _contours(rng, n, sr, f0, length)
    scale = vox.TRACT_SCALE[who] * rng.uniform(0.95, 1.05)
    # A shouting jaw drops: F1 is raised ~20 % over the spoken vowel.
    jaw = np.array([1.2, 1.05, 1.0, 1.0, 1.0])
    formants = vox.formant_path(
        [0.0, 0.1, 0.55 * length, length],
        [vox.vowel(first, scale) * jaw] * 3 + [vox.vowel(last, scale) * jaw],
        n,
        sr,
    )
    # Pressed phonation: hard, abrupt closures (bright), a little roughness at full effort.
    source = vox.Source(
        jitter=0.008,
        shimmer=0.1,
        corner_hz=1200.0 + 1200.0 * intensity,
        doubling=0.1,
        closing_hz=4000.0 + 2000.0 * intensity,
        turbulence_hz=1500.0,
    )
    mono = vox.voice(rng, sr, f0_curve, voiced, breath, formants, source)
    out = vox.reflections(rng, mono, sr, 0.8, 0.12 + 0.3 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="shout",
    family="voices",
    kind=EventKind.SFX,
    description="Someone shouting: a loud wordless yell like hey! or ho!, swelling and falling.",
    tags=(
        "shout", "shouts", "shouting", "shouted", "yell", "yells", "yelling", "holler",
        "hollering", "hey", "oi", "bellow", "bellowing", "battle cry", "war cry", "call out",
        "calling out", "cry out", "guard shouts", "warning shout",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, VOICE, CALL),
    typical_duration_s=1.2,
)  # fmt: skip
