"""Shared pieces of the weapon and impact one-shots: a swing through air and the final mixdown."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes._sfxr import (
    resonant_bandpass,
    sweep_filter,
)


def swing(
    rng: np.random.Generator,
    length_s: float,
    peak_hz: float,
    sr: int,
    q: float = 1.6,
    peak_at: float = 0.55,
) -> dsp.Audio:
    """A (frames, 2) swish: band-passed noise whose centre and level swell and fall together.

    The band rises as the object approaches and falls as it leaves (a Doppler-like arc), the
    level follows the speed, and the sound pans across as it passes.
    """
    m = max(int(length_s * sr), 16)
    u = np.arange(m) / m
    arc = np.exp(-(((u - peak_at) / 0.22) ** 2)) * np.sin(np.pi * u)  # 0 at both ends
    noise = np.stack([dsp.white(rng, m), dsp.white(rng, m)], axis=1)
    low_hz = peak_hz * 0.22

    def hz_at(seconds: np.ndarray) -> np.ndarray:
        v = np.clip(seconds / length_s, 0.0, 1.0)
        shape = np.exp(-(((v - peak_at) / 0.22) ** 2)) * np.sin(np.pi * v)
        return low_hz * (peak_hz / low_hz) ** np.clip(shape, 0.0, 1.0)

    band = sweep_filter(noise, lambda hz: resonant_bandpass(hz, q, sr), hz_at, sr, 0.02)
    level = (arc**1.5).astype(np.float32)
    gl, gr = dsp.pan_gains(np.linspace(-0.6, 0.6, m) * rng.choice([-1.0, 1.0]))
    out = (band * level[:, None]).astype(np.float32)
    out[:, 0] *= gl.astype(np.float32)
    out[:, 1] *= gr.astype(np.float32)
    return out
