"""Coughing: a quick inhale, a closed glottis, then an explosive burst and a rough voiced tail.

A cough (Korpáš's three phases) is an inspiration, a compression behind the closed glottis
(~0.2 s of silence), then an expulsion: the glottis bursts open into a broadband turbulent blast
(20-50 ms), followed by a noisy, partly voiced "uh" as the folds flap in the fast airflow. Fits
of coughs repeat the expulsion with short re-inhalations.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

COUGHS = ParamSpec("coughs", 2.0, low=1.0, high=5.0, doc="Coughs in the fit: 1 .. 5")
VOICE = ParamSpec(
    "voice", "man", choices=tuple(vox.TRACT_SCALE), doc="Whose cough: man, woman, child"
)


def _expulsion(rng: np.random.Generator, sr: int, who: str, effort: float) -> dsp.Audio:
    """One cough's burst and rough voiced tail (mono, peak 1)."""
    length = rng.uniform(0.18, 0.32) * (0.9 + 0.3 * effort)
    n = int((length + 0.03) * sr)
    scale = vox.TRACT_SCALE[who] * rng.uniform(0.95, 1.05)
    f0 = vox.SPEAKING_F0[who] * rng.uniform(1.1, 1.5)
    f0_curve = vox.curve([0.0, 0.05, length], [1.2 * f0, f0, 0.8 * f0], n, sr)
    # The blast: turbulence at full flow for a few tens of ms, then the flow ebbs.
    breath = vox.curve([0.0, 0.003, 0.04, 0.6 * length, length], [0.0, 3.0, 1.2, 0.5, 0.0], n, sr)
    # The folds catch the airflow only after the blast and flap roughly.
    voiced = vox.curve([0.0, 0.02, 0.06, 0.5 * length, length], [0.0, 0.0, 1.0, 0.6, 0.0], n, sr)
    voiced *= rng.uniform(0.3, 1.0)
    shape = rng.choice(["uh", "a", "ae"])
    formants = vox.formant_path(
        [0.0, 0.05, length],
        [vox.vowel("e", scale), vox.vowel(shape, scale), vox.vowel("uh", scale * 0.95)],
        n,
        sr,
    )
    source = vox.Source(jitter=0.05, shimmer=0.3, corner_hz=600.0, doubling=0.5)
    wet = vox.voice(rng, sr, f0_curve, voiced, breath, formants, source, (150, 180, 220, 300, 400))
    return wet * np.float32(1.0 / (dsp.peak_of(wet) + 1e-9))


def _inhale(rng: np.random.Generator, sr: int, seconds: float) -> dsp.Audio:
    """A short, quiet intake of breath (mono, peak 1)."""
    return dsp.noise_burst(
        rng, int(seconds * sr), sr, (600.0, 5000.0), 0.6 * seconds, 0.1 * seconds
    )


def synth(req: SynthRequest) -> np.ndarray:
    """Inhale, hold, then a fit of expulsions; the first is the strongest."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    who = req.word("voice")
    mono = np.zeros(n, np.float32)
    dsp.place(mono, _inhale(rng, sr, 0.18), 0, 0.06)
    t = 0.18 + rng.uniform(0.08, 0.15)  # compression: the glottis held shut
    for i in range(round(req.number("coughs"))):
        if t * sr >= n:
            break
        burst = _expulsion(rng, sr, who, intensity)
        dsp.place(mono, burst, int(t * sr), 1.0 if i == 0 else rng.uniform(0.55, 0.85))
        t += burst.shape[0] / sr + rng.uniform(0.06, 0.2)
    out = vox.reflections(rng, mono, sr, 0.3, 0.12 + 0.2 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.1)


RECIPE = Recipe(
    name="cough",
    family="voices",
    kind=EventKind.SFX,
    description="Someone coughing: a sharp burst of air and a rough voiced tail, alone or in fits.",
    tags=(
        "cough", "coughs", "coughing", "cough fit", "coughing fit", "hacking cough",
        "clears throat", "clearing throat", "throat clearing", "splutter", "spluttering",
        "wheezy cough", "sick", "choking", "smoker's cough",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, COUGHS, VOICE),
    typical_duration_s=1.2,
)  # fmt: skip
