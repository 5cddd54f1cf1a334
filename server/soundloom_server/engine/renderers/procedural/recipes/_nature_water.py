"""Water building blocks shared by the water and weather recipes: Minnaert bubble chirps,
PhISEM particle strikes (drops, hailstones), the wash of distant particles, and block echoes.

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


GRAIN_BATCH = 1 << 21  # grain samples synthesised at once (~50 MB of temporaries)
STRIKES_PER_BLOCK = 400  # strikes synthesised at once (~25 MB of grain temporaries)


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
    starts = np.broadcast_to(np.asarray(starts, dtype=np.int64), freqs.shape)
    tau = bubble_decay_s(freqs) * np.broadcast_to(np.asarray(ring, np.float64), freqs.shape)
    lengths = np.ceil(tau * 4.0 * sr)  # cut at -35 dB
    sigma = np.broadcast_to(np.asarray(rise, np.float64), freqs.shape) / tau
    amps = np.broadcast_to(np.asarray(amps, dtype=np.float64), freqs.shape)
    gl, gr = (
        (None, None)
        if pans is None
        else (np.broadcast_to(g, freqs.shape) for g in dsp.pan_gains(pans))
    )
    # Grains in batches of bounded total length: a long, dense cloud would otherwise hold every
    # grain's samples at once (GBs for a minute of surf). `add.at` adds in order, so batching
    # gives the same sums.
    ends = np.cumsum(np.minimum(lengths, np.maximum(out.shape[0] - starts, 0)))
    cuts = np.searchsorted(ends, np.arange(1, int(ends[-1] // GRAIN_BATCH) + 1) * GRAIN_BATCH)
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, freqs.size], strict=True):
        if hi <= lo:
            continue
        part = slice(int(lo), int(hi))
        grains = dsp.Grains(starts[part], lengths[part], out.shape[0])
        t = grains.t / np.float32(sr)
        # Closed-form phase of f0 (1 + sigma t): no cumulative sum over the grain.
        phase = t * (np.float32(1.0) + grains.per_grain(0.5 * sigma[part]) * t)
        phase *= grains.per_grain(2.0 * np.pi * freqs[part])
        values = np.exp(-t * grains.per_grain(1.0 / tau[part])) * np.sin(phase)
        if gl is None:
            np.add.at(out, grains.position, values * grains.per_grain(amps[part]))
        else:
            grains.scatter(values, amps[part] * gl[part], amps[part] * gr[part], out=out)
    return out


def strikes(
    rng: np.random.Generator,
    n: int,
    sr: int,
    starts: np.ndarray,
    amps: np.ndarray,
    band: tuple[float, float],
    decay_s: tuple[float, float],
    tone: float,
    click: float,
) -> dsp.Audio:
    """Particle strikes (Cook's PhISEM) as panned grains into a new (n, 2) buffer.

    Each strike draws its own centre frequency (log-uniform over `band`), decay time and mode
    ratio: particles land on different spots of different surfaces, so no resonance recurs often
    enough to become a steady line. A strike is band-limited noise (the splat) and two
    inharmonic modes (the surface ringing), `tone` of it the modes, plus a high-passed contact
    tick of level `click`.
    """
    count = starts.shape[0]
    freq = np.exp(rng.uniform(*np.log(band), count))
    tau = np.exp(rng.uniform(*np.log(decay_s), count))
    # Band-limited noise around the strike's frequency: smooth noise times a carrier.
    smooth = dsp.filt(dsp.lowpass(1200.0, sr), dsp.white(rng, n))
    phase = rng.uniform(0, 2 * np.pi, count)
    # Two modes at an inharmonic ratio drawn per strike: a plate's modes, not a string's.
    ratio = rng.uniform(1.4, 2.7, count)
    gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9, count))
    out = np.zeros((n, 2), np.float32)
    # A few hundred strikes at a time: a 20 s stretch of roof rain is ~7,500 strikes whose grain
    # grids together held ~0.4 GB. np.add.at adds in grain order either way: the same sums.
    for lo in range(0, count, STRIKES_PER_BLOCK):
        part = slice(lo, min(lo + STRIKES_PER_BLOCK, count))
        grains = dsp.Grains(starts[part], np.ceil(5.0 * tau[part] * sr), n)
        t = grains.t / np.float32(sr)
        env = np.exp(-t / grains.per_grain(tau[part]))
        carrier = grains.per_grain(2.0 * np.pi * freq[part]) * t
        splat = smooth[grains.position] * 2.5 * np.cos(carrier + grains.per_grain(phase[part]))
        modes = np.sin(carrier) + 0.5 * np.sin(carrier * grains.per_grain(ratio[part]))
        values = env * ((1.0 - tone) * splat + tone * modes)
        grains.scatter(values, amps[part] * gl[part], amps[part] * gr[part], out)
    # The contact tick, high-passed so it is a tick, not a thump.
    ticks = dsp.impulses(n, starts, amps * click * rng.choice([-1.0, 1.0], count))
    out += dsp.filt(dsp.highpass(2500.0, sr), ticks)[:, None]
    return out


def particle_wash(
    rng: np.random.Generator,
    n: int,
    sr: int,
    rate_hz: float,
    shape: dsp.Sos,
    swell: np.ndarray,
) -> dsp.Audio:
    """The fused sound of countless distant particles: noise through `shape` with a fine flicker.

    Even far away the stream is made of particles: a dense shot-noise envelope (`rate_hz`
    strikes a second, 1.5 ms each) gives it grain instead of a steady hiss's smoothness.
    """
    k = dsp.low_rate_factor(sr, 6000)  # envelopes at >= 6 kHz, interpolated
    m = n // k + 2
    r = np.exp(-1.0 / (0.0015 * sr / k))
    shot = dsp.filt(
        np.array([[1.0, 0, 0, 1.0, -r, 0]]),
        dsp.impulses(m, dsp.poisson_times(rng, rate_hz, m, sr // k), 1.0),
    )
    shot /= shot.mean() + 1e-9
    grain = dsp.upsample(0.6 + 0.4 * shot, k, n) * swell.astype(np.float32)
    return dsp.widen(dsp.filt(shape, dsp.white(rng, n) * grain), sr, delay_s=0.011)


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
