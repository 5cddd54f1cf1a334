"""Water building blocks shared by the water recipes: Minnaert bubble chirps and block echoes.

A bubble born in water rings at its Minnaert frequency (f * radius ~ 3.26 m/s) with a damping
set by its radius, and its pitch rises while it rings (van den Doel, "Physically based models
for liquid sounds", 2005): f(t) = f0 (1 + sigma t), sigma = xi * damping.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundloom_server.engine.renderers.procedural import dsp


def bubble_decay_s(freq_hz: npt.ArrayLike) -> np.ndarray:
    """Ring time constant (s) of a bubble with Minnaert frequency `freq_hz` (van den Doel)."""
    radius = 3.26 / np.maximum(np.asarray(freq_hz, dtype=np.float64), 20.0)
    damping = 0.13 / radius + 0.0072 * radius**-1.5  # viscous + thermal losses, 1/s
    return 1.0 / damping


def bubbles(
    out: dsp.Audio,
    starts: npt.ArrayLike,
    freqs: npt.ArrayLike,
    amps: npt.ArrayLike,
    pans: npt.ArrayLike | None,
    sr: int,
    rise: npt.ArrayLike = 0.1,
    ring: npt.ArrayLike = 1.0,
) -> dsp.Audio:
    """Overlap-add rising bubble chirps into a (frames, 2) buffer, or (frames,) if `pans` is None.

    `rise` is van den Doel's xi (pitch gained per decay time); `ring` stretches the decay
    (a drip's cavity or a resonant pool rings longer than a free bubble).
    """
    freqs = np.asarray(freqs, dtype=np.float64)
    if freqs.size == 0:
        return out
    tau = bubble_decay_s(freqs) * np.broadcast_to(np.asarray(ring, np.float64), freqs.shape)
    grains = dsp.Grains(starts, np.ceil(tau * 4.0 * sr), out.shape[0])  # cut at -35 dB
    t = grains.t / np.float32(sr)
    sigma = np.broadcast_to(np.asarray(rise, np.float64), freqs.shape) / tau
    # Closed-form phase of f0 (1 + sigma t): no cumulative sum over the grain.
    phase = t * (np.float32(1.0) + grains.per_grain(0.5 * sigma) * t)
    phase *= grains.per_grain(2.0 * np.pi * freqs)
    values = np.exp(-t * grains.per_grain(1.0 / tau)) * np.sin(phase)
    amps = np.asarray(amps, dtype=np.float64)
    if pans is None:
        np.add.at(out, grains.position, values * grains.per_grain(amps))
        return out
    gl, gr = dsp.pan_gains(pans)
    return grains.scatter(values, amps * gl, amps * gr, out=out)


def comb(x: dsp.Audio, delay: int, gain: float) -> dsp.Audio:
    """Feedback comb y[n] = x[n-D] + g y[n-D], run as a one-pole filter down blocks of D samples."""
    blocks = _blocks(x, delay)
    # Delayed in and out: parallel combs must not all pass the dry sound at once (it would add
    # up coherently into one loud copy).
    y = signal.lfilter([0.0, 1.0], [1.0, -gain], blocks, axis=0)
    return y.reshape(-1)[: x.shape[0]].astype(np.float32)


def allpass(x: dsp.Audio, delay: int, gain: float) -> dsp.Audio:
    """Schroeder all-pass (delay D): diffuses echoes without colouring the spectrum."""
    blocks = _blocks(x, delay)
    y = signal.lfilter([-gain, 1.0], [1.0, -gain], blocks, axis=0)
    return y.reshape(-1)[: x.shape[0]].astype(np.float32)


def _blocks(x: dsp.Audio, delay: int) -> np.ndarray:
    # Sample n of row r is sample r*D + n: a recursion over D samples is one over rows.
    rows = -(-x.shape[0] // delay)
    padded = np.zeros(rows * delay, np.float32)
    padded[: x.shape[0]] = x
    return padded.reshape(rows, delay)
