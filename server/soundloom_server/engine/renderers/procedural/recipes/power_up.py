"""Power-up: a bright rising arpeggio gliding upward with vibrato, doubled an octave above."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._sfxr import oscillator

MAJOR = np.array([0, 4, 7, 12, 16, 19, 24, 28])  # a major arpeggio over two octaves


def synth(req: SynthRequest) -> np.ndarray:
    """Arpeggio steps on a continuous upward glide; detuned saw + square for brightness."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    steps = int(rng.integers(6, 9))
    step_s = rng.uniform(0.07, 0.1)
    tail = rng.uniform(0.25, 0.4)
    squeeze = min(1.0, 0.85 * (n / sr) / (steps * step_s + tail))
    step_s, tail = step_s * squeeze, tail * squeeze
    m = int((steps * step_s + tail) * sr)
    t = np.arange(m) / sr
    note = MAJOR[np.minimum((t / step_s).astype(np.int64), steps - 1)]
    glide = 3.0 * np.minimum(t / (steps * step_s), 1.0)  # semitones of extra lift
    vibrato = 0.35 * np.sin(2.0 * np.pi * rng.uniform(6.0, 9.0) * t) * np.minimum(t / 0.2, 1.0)
    freq = rng.uniform(330.0, 470.0) * 2.0 ** ((note + glide + vibrato) / 12.0)
    voice = (
        0.5 * oscillator("saw", freq * 0.996, sr, rng)
        + 0.5 * oscillator("saw", freq * 1.004, sr, rng)
        + 0.5 * oscillator("square", freq, sr, rng, duty=0.35)
        + 0.25 * oscillator("square", freq * 2.0, sr, rng)
    )
    # Each step re-attacks a little, then the last note dies away at once: a top note held at
    # full level with vibrato, then cut, is a telephone's ring tone, not a charge completing.
    within = np.mod(t, step_s) / step_s
    pulse = np.where(t < steps * step_s, 0.75 + 0.25 * np.exp(-within * 4.0), 1.0)
    env = np.minimum(t / 0.005, 1.0) * pulse
    env *= np.exp(-np.maximum(t - steps * step_s, 0.0) / (0.3 * tail))
    mono = (voice * env).astype(np.float32)
    out = np.zeros((n, 2), np.float32)
    dsp.place(out, dsp.widen(mono, sr, 0.011, 0.5), int(0.003 * sr))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="power_up",
    family="scifi",
    kind=EventKind.SFX,
    description="A power-up: a bright rising arpeggio sweeping upward with vibrato.",
    tags=(
        "power up", "powerup", "power-up", "powering up", "powers up", "level up", "levelling up",
        "leveling up", "upgrade", "upgraded", "buff", "charge up", "charging up", "boost",
        "extra life", "bonus", "achievement", "rank up",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=1.2,
)  # fmt: skip
