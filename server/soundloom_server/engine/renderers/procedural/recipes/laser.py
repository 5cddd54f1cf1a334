"""Laser: a sci-fi blaster zap: a bright attack and a buzzy tone diving fast in pitch.

No physical referent: it is the sound game designers mean by the word, the sfxr "laser" preset
(a square/saw tone sliding down several octaves in ~0.15 s) with a noise click at the trigger.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._sfxr import oscillator


def synth(req: SynthRequest) -> np.ndarray:
    """One zap: a bright click and a buzzy tone diving several octaves in a fraction of a second."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    shot = min(rng.uniform(0.12, 0.2) * (0.8 + 0.6 * size), 0.6 * duration)
    m = int(shot * sr)
    t = np.arange(m) / sr
    # Bigger guns start lower; the dive is fastest at first (exponential in octaves).
    start_hz = rng.uniform(2500.0, 3500.0) * 2.0 ** (-1.0 * (size - 0.5))
    octaves = rng.uniform(3.0, 4.0)
    freq = start_hz * np.exp2(-octaves * (1.0 - np.exp(-3.0 * t / shot)) / (1.0 - np.exp(-3.0)))
    tone = 0.6 * oscillator("square", freq, sr, rng, duty=0.3) + 0.4 * oscillator(
        "saw", freq * rng.uniform(1.005, 1.015), sr, rng
    )
    env = dsp.envelope_ad(t, 0.001, shot / 3.0) * (1.0 - t / shot)  # ends at zero
    zap = (tone * env).astype(np.float32)
    # The bright attack: a few milliseconds of hard noise at the trigger.
    zap += np.float32(0.35) * dsp.noise_burst(rng, m, sr, (3000.0, 14000.0), 0.0003, 0.004)
    out = np.zeros((n, 2), np.float32)
    dsp.place(out, dsp.widen(zap, sr, delay_s=0.004, width=0.4), int(0.002 * sr))
    # A single short, dark slap off nearby walls (no rhythmic echo train).
    slap = dsp.filt(dsp.lowpass(3000.0, sr), zap)
    dsp.place(out, slap[:, None] * np.float32(0.18), int(rng.uniform(0.05, 0.08) * sr))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.1)


RECIPE = Recipe(
    name="laser",
    family="scifi",
    kind=EventKind.SFX,
    description="A sci-fi laser zap: a bright attack and a tone diving fast in pitch.",
    tags=(
        "laser", "lasers", "laser blast", "laser shot", "laser gun", "laser fire", "laser beam",
        "blaster", "blaster shot", "ray gun", "raygun", "phaser", "zap", "pew pew", "pew",
        "plasma shot", "sci-fi gun", "space gun", "energy weapon",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=1.0,
)  # fmt: skip
