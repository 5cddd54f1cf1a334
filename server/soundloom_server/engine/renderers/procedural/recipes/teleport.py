"""Teleport: a warbling tone and a hiss rise together, then the field collapses with a zap.

The departure is the charge letting go: a burst of noise whose band falls from the riser's top
in a few tens of ms, with a click and a short shimmer; no pitched blip (a falling tone that fast
is a drop into water, a plop).
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._sfxr import (
    oscillator,
    resonant_bandpass,
    sweep_filter,
)

HISS = 1.2  # the rising noise: a rush of charge
TONE = 0.4  # the warbling tone riding on it (alone, a pure glide is a bubble: plop, boing)


def _riser(rng: np.random.Generator, sr: int, rise: float) -> dsp.Audio:
    """(frames, 2): tone sweeping up ~3.5 octaves with vibrato, plus a noise band rising with it."""
    m = int(rise * sr)
    t = np.arange(m) / sr
    u = t / rise
    start = rng.uniform(140.0, 220.0)
    octaves = rng.uniform(3.2, 3.8)
    vib = 1.0 + 0.025 * np.sin(2.0 * np.pi * rng.uniform(7.0, 11.0) * t)
    freq = start * np.exp2(octaves * u) * vib
    tone = oscillator("sine", freq, sr, rng) + 0.3 * oscillator("triangle", freq * 2.0, sr, rng)
    tone_env = u**0.7 * (0.6 + 0.4 * np.sin(2.0 * np.pi * rng.uniform(12.0, 20.0) * t) ** 2)
    noise = np.stack([dsp.white(rng, m), dsp.white(rng, m)], axis=1)
    hiss = sweep_filter(
        noise,
        lambda hz: resonant_bandpass(hz, 2.5, sr),
        lambda s: 500.0 * np.exp2(4.0 * np.clip(s / rise, 0.0, 1.0)),
        sr,
        0.02,
    )
    hiss *= (u**2)[:, None] * HISS
    return (hiss + (tone * tone_env)[:, None] * np.float32(TONE)).astype(np.float32)


def _pop(rng: np.random.Generator, sr: int, m: int) -> dsp.Audio:
    """The departure: the charged field collapses, a zap of noise whose band falls from the
    riser's top to nothing in ~0.1 s, a click, and a short shimmer ringing after."""
    t = np.arange(m) / sr
    noise = dsp.white(rng, m)
    top = rng.uniform(5000.0, 7000.0)
    zap = sweep_filter(
        noise,
        lambda hz: resonant_bandpass(hz, 1.5, sr),
        lambda s: 250.0 + top * np.exp(-s / 0.03),
        sr,
        0.005,
    ) * dsp.envelope_ad(t, 0.002, 0.06)
    click = dsp.filt(
        dsp.highpass(2000.0, sr), dsp.white(rng, m) * dsp.envelope_ad(t, 0.0002, 0.002)
    )
    shimmer = np.sin(2.0 * np.pi * rng.uniform(2500.0, 3500.0) * t) * dsp.envelope_ad(
        t, 0.005, 0.08
    )
    zap /= dsp.peak_of(zap.astype(np.float32)) + 1e-9
    return (zap + 0.5 * click / (dsp.peak_of(click) + 1e-9) + 0.15 * shimmer).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Riser over most of the event's first part, then the pop at its peak."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    rise = min(rng.uniform(0.8, 1.1), 0.6 * n / sr)
    out = np.zeros((n, 2), np.float32)
    riser = _riser(rng, sr, rise)
    dsp.place(out, riser * np.float32(0.5 / (dsp.peak_of(riser) + 1e-9)), int(0.005 * sr))
    pop = _pop(rng, sr, min(int(0.3 * sr), n))
    dsp.place(out, pop * np.float32(1.0 / (dsp.peak_of(pop) + 1e-9)), int((0.005 + rise) * sr))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="teleport",
    family="scifi",
    kind=EventKind.SFX,
    description="A teleport: a warbling tone and hiss rise together, ending in a bright pop.",
    tags=(
        "teleport", "teleports", "teleporting", "teleportation", "teleporter", "beam me up",
        "beam up", "beaming", "warp", "warps", "warping", "blink", "vanish", "vanishes",
        "disappears", "materialise", "materialize", "portal", "dematerialise", "phase out",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=1.5,
)  # fmt: skip
