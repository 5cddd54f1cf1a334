"""Laser: a sci-fi blaster shot: a bright tone diving in pitch, ring-modulated, with echoes."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._sfxr import oscillator


def synth(req: SynthRequest) -> np.ndarray:
    """A saw/square pair diving ~3 octaves, ring-modulated, repeated by a dark ping-pong echo."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    shot = min(rng.uniform(0.18, 0.28) * (0.8 + 0.5 * size), 0.5 * duration)
    m = int(shot * sr)
    t = np.arange(m) / sr
    # Bigger guns start lower; the dive is exponential (constant octaves per second).
    start_hz = rng.uniform(2200.0, 3200.0) * 2.0 ** (-1.0 * (size - 0.5))
    octaves = rng.uniform(2.5, 3.5)
    freq = start_hz * np.exp2(-octaves * t / shot)
    tone = 0.6 * oscillator("saw", freq, sr, rng) + 0.4 * oscillator(
        "square", freq * 1.005, sr, rng, duty=0.3
    )
    ring = np.sin(2.0 * np.pi * rng.uniform(180.0, 420.0) * t)
    mix = rng.uniform(0.25, 0.45)
    env = dsp.envelope_ad(t, 0.002, shot / 3.5) * (1.0 - t / shot)  # ends at zero
    shot_sig = (tone * ((1.0 - mix) + mix * ring) * env).astype(np.float32)

    out = np.zeros((n, 2), np.float32)
    dsp.place(out, shot_sig, int(0.002 * sr))
    echo = dsp.filt(dsp.lowpass(2500.0, sr), shot_sig)
    delay = rng.uniform(0.16, 0.22)
    level = 0.5
    for i in range(1, 4):  # ping-pong: each repeat on the other side, darker and quieter
        side = np.array([1.0, 0.35] if i % 2 else [0.35, 1.0], np.float32)
        dsp.place(out, echo[:, None] * side * np.float32(level), int((0.002 + i * delay) * sr))
        level *= 0.45
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="laser",
    family="scifi",
    kind=EventKind.SFX,
    description="A sci-fi laser blast: a bright tone diving in pitch with ring-mod and echoes.",
    tags=(
        "laser", "lasers", "laser blast", "laser shot", "laser gun", "laser fire", "laser beam",
        "blaster", "blaster shot", "ray gun", "raygun", "phaser", "zap", "pew pew", "pew",
        "plasma shot", "sci-fi gun", "space gun", "energy weapon",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=1.0,
)  # fmt: skip
