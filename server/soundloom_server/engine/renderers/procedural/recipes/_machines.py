"""Parts shared by the foley, people and machine recipes: placing events, tones and bursts.

Machines are periodic sources (firing pulses, mains harmonics, sweeps), so most of them are a
phase curve (cumulative sum of an instantaneous frequency) shaped into a waveform; foley and
body sounds are short events placed on the timeline round-robin from a few variants.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from soundloom_server.engine.renderers.procedural import dsp


def phase_cycles(freq_hz: npt.ArrayLike, sr: int) -> npt.NDArray[np.float64]:
    """Running phase in cycles of an instantaneous-frequency curve (float64: no drift)."""
    return np.cumsum(np.asarray(freq_hz, dtype=np.float64) / sr)


def normalised(x: dsp.Audio) -> dsp.Audio:
    """Scaled to peak 1 (a part's level is then set by its mix gain alone)."""
    return x * np.float32(1.0 / (dsp.peak_of(x) + 1e-9))


def pan_stereo(mono: dsp.Audio, pan: npt.ArrayLike) -> dsp.Audio:
    """A mono source placed (or moved, with a per-sample `pan`) in the stereo field."""
    gl, gr = dsp.pan_gains(pan)
    return dsp.stereo(mono * np.asarray(gl, np.float32), mono * np.asarray(gr, np.float32))


def event_times(
    rng: np.random.Generator, period_s: float, duration_s: float, jitter: float
) -> npt.NDArray[np.float64]:
    """A regular pulse (random start phase) with Gaussian timing jitter, as a share of period."""
    count = int(duration_s / period_s) + 2
    times = (np.arange(count) - rng.uniform(0.0, 1.0)) * period_s
    return times + rng.normal(0.0, jitter * period_s, count)


def room_tone(rng: np.random.Generator, frames: int, sr: int, cutoff_hz: float) -> dsp.Audio:
    """Quiet diffuse pink air (unit RMS, stereo): keeps sparse beds from dropping to silence."""
    # Built at a low rate: interpolation images of noise are just more noise.
    k = dsp.low_rate_factor(sr, 16000)
    low = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.lowpass(cutoff_hz, sr // k)),
        dsp.white(rng, frames // k + 2),
    )
    out = dsp.widen(dsp.upsample(low, k, frames), sr)
    return out * np.float32(1.0 / (dsp.rms_of(out) + 1e-12))


TABLE_SIZE = 4096


def wavetable(
    amplitudes: npt.ArrayLike, phases: npt.ArrayLike | None = None, size: int = TABLE_SIZE
) -> dsp.Audio:
    """One cycle of a harmonic waveform (harmonic k+1 at `amplitudes[k]`); `size` a power of 2."""
    amps = np.asarray(amplitudes, dtype=np.float64)
    ks = np.arange(1, amps.shape[0] + 1)
    ph = np.zeros(amps.shape[0]) if phases is None else np.asarray(phases, dtype=np.float64)
    x = np.arange(size) / size
    on = amps != 0.0  # sparse tables (a few modes on a fine grid) cost only their partials
    amps, ks, ph = amps[on], ks[on], ph[on]
    table = (amps[:, None] * np.sin(2 * np.pi * ks[:, None] * x[None, :] + ph[:, None])).sum(0)
    return table.astype(np.float32)


def oscillator(
    table: dsp.Audio, freq_hz: npt.ArrayLike, sr: int, frames: int, start: float = 0.0
) -> dsp.Audio:
    """A periodic waveform read from `table` at a fixed or per-sample frequency.

    The phase is a 32-bit fixed-point accumulator (integer adds; no float-to-int conversion of
    a running phase, the slow step). Nearest-sample lookup errs by up to harmonic/(2 * size)
    cycles, so tables carrying high harmonics must be big.
    """
    size = table.shape[0]
    bits = size.bit_length() - 1
    freq = np.asarray(freq_hz, dtype=np.float64)
    offset = int(start * 2**32) % 2**32
    if freq.ndim == 0:
        acc = np.arange(frames, dtype=np.int64) * round(float(freq) / sr * 2**32) + offset
    else:
        acc = np.cumsum(np.rint(freq[:frames] * (2**32 / sr)).astype(np.int64)) + offset
    acc >>= 32 - bits
    acc &= size - 1
    return table[acc]
