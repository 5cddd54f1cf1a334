"""UI error: a short harsh buzz, twice, the "denied" of an invalid action.

An electromechanical buzzer is an armature chattering against its stop at a low rate: a rough
square-ish wave ~ 150-200 Hz, a second voice a semitone-ish off beating against it. Two short
bursts, the second the same: a flat, unpleasant, unmistakable no.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles
from soundloom_server.engine.renderers.procedural.recipes._ui import finish


def buzz(rng: np.random.Generator, sr: int, seconds: float, f0: float) -> dsp.Audio:
    """One buzz: the armature slapping its stop, every other slap a little different (rough)."""
    k = int(seconds * sr)
    t = np.arange(k) / sr
    phase = phase_cycles(np.full(k, f0), sr) + rng.uniform()
    # A hard-clipped wave (the stop), plus a subharmonic: the armature bounces unevenly.
    out = np.clip(4.0 * np.sin(2 * np.pi * phase), -1.0, 1.0)
    out += 0.35 * np.clip(4.0 * np.sin(np.pi * phase), -1.0, 1.0)
    env = np.clip(t / 0.004, 0, 1) * np.clip((seconds - t) / 0.01, 0, 1)
    return (out * env).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Two buzzes ~0.15 s long with a short gap, the armature's contact arcing in each."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    f0 = rng.uniform(110.0, 140.0)
    length = rng.uniform(0.14, 0.17)
    out = np.zeros(n, np.float32)
    for i in range(2):
        one = buzz(rng, sr, length, f0)
        arc = dsp.filt(dsp.bandpass(1000.0, 6000.0, sr), dsp.white(rng, one.shape[0]))
        one += np.float32(0.3) * arc * np.abs(one)  # the contact sparks as it breaks
        dsp.place(out, one, int((0.005 + i * (length + 0.05)) * sr))
    out = dsp.filt(dsp.cascade(dsp.highpass(120.0, sr), dsp.lowpass(5000.0, sr)), out)
    return finish(out, sr, intensity, distance)


RECIPE = Recipe(
    name="ui_error",
    family="ui",
    kind=EventKind.SFX,
    description="A UI error: a short harsh double buzz for a denied or invalid action.",
    tags=(
        "ui error", "error", "error sound", "error beep", "wrong", "wrong answer", "invalid",
        "denied", "access denied", "not allowed", "fail buzz", "negative buzz", "incorrect",
        "warning buzz",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=0.5,
)  # fmt: skip
