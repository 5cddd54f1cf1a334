"""Gunshot: a muzzle blast (sharp crack + low boom), the action's click, and outdoor echoes."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike


def _blast(rng: np.random.Generator, sr: int, size: float, m: int) -> dsp.Audio:
    """The muzzle blast: a sub-millisecond broadband crack, a noisy body and a low boom."""
    t = np.arange(m) / sr
    crack = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0001, 0.003 + 0.002 * size).astype(np.float32)
    crack = dsp.filt(dsp.highpass(300.0, sr), crack)
    body = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0005, 0.015 + 0.03 * size).astype(np.float32)
    body = dsp.filt(dsp.bandpass(250.0, 5000.0, sr), body)
    # Bigger calibres push more gas: a lower, longer boom.
    f0 = (110.0 - 60.0 * size) * rng.uniform(0.9, 1.1)
    freq = f0 * (1.0 + 1.5 * np.exp(-t / 0.012))
    boom = np.sin(2.0 * np.pi * np.cumsum(freq) / sr) * dsp.envelope_ad(
        t, 0.001, 0.05 + 0.12 * size
    )
    return (
        crack / (dsp.peak_of(crack) + 1e-9)
        + 0.35 * body / (dsp.peak_of(body) + 1e-9)
        + (0.25 + 0.35 * size) * boom.astype(np.float32)
    ).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Blast at the start, the action cycling, slap-back echoes and a diffuse outdoor tail."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    at = int(0.003 * sr)
    blast = _blast(rng, sr, size, min(n, int(0.4 * sr)))
    out = np.zeros((n, 2), np.float32)
    dsp.place(out, blast, at)

    click_at = at + int(rng.uniform(0.05, 0.09) * sr)
    click = strike(rng, MATERIALS["metal"], 0.05, 0.9, sr, min(n, int(0.08 * sr)))
    click *= np.float32(0.07 / (dsp.peak_of(click) + 1e-9))
    dsp.place(out, click, click_at)

    # Echoes off buildings and treelines: duller, later copies from either side.
    echo_src = dsp.filt(dsp.lowpass(1800.0, sr, order=2), blast)
    tail_span = min(0.5 + 0.8 * size, 0.8 * duration)
    for _ in range(int(rng.integers(2, 5))):
        delay = rng.uniform(0.08, max(0.1, 0.6 * tail_span))
        gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9))
        level = rng.uniform(0.12, 0.3) * (1.0 + 0.5 * distance)
        part = echo_src[:, None] * np.array([gl, gr], np.float32)[None, :] * np.float32(level)
        dsp.place(out, part, at + int(delay * sr))
    tail_len = min(n - at, int(tail_span * sr))
    if tail_len > 16:
        tt = np.arange(tail_len) / sr
        env = dsp.envelope_ad(tt, 0.02, tail_span / 5.0).astype(np.float32)
        tail = np.stack([dsp.white(rng, tail_len), dsp.white(rng, tail_len)], axis=1)
        tail = dsp.filt(dsp.bandpass(120.0, 1500.0, sr), tail * env[:, None], axis=0)
        tail *= np.float32(0.12 * (1.0 + distance) / (dsp.peak_of(tail) + 1e-9))
        dsp.place(out, tail, at)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="gunshot",
    family="weapons",
    kind=EventKind.SFX,
    description="A gunshot: sharp muzzle crack and low boom, the action's click, outdoor echoes.",
    tags=(
        "gunshot", "gunshots", "gun shot", "gunfire", "gun fire", "shot", "shots", "shooting",
        "shoots", "fires a gun", "pistol", "pistol shot", "handgun", "revolver", "rifle",
        "rifle shot", "sniper", "sniper shot", "shotgun", "shotgun blast", "musket", "firearm",
        "bullet", "gun", "gunman", "muzzle blast",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.0,
)  # fmt: skip
