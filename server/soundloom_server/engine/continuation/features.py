"""Spectral measures shared by analysis, synthesis and the checks: STFT, log-mel, flux, onsets.

Plain NumPy/SciPy (no librosa: it would pull numba into the core for a few transforms).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft
from scipy import ndimage

N_FFT = 1024
HOP = 256
MEL_BANDS = 64
MEL_FMIN_HZ = 40.0
MEL_FMAX_HZ = 16000.0
EPS = 1e-10
# Onset picking: a flux peak this far over its running median, and this far from the last one.
ONSET_DELTA = 1.5
ONSET_MEDIAN_S = 0.5
ONSET_MIN_GAP_S = 0.05
EDGE_S = 0.02


@dataclass(frozen=True)
class Spectrogram:
    """A magnitude STFT (frames, bins) and what it was taken with."""

    magnitude: np.ndarray
    sample_rate: int
    hop: int

    @property
    def frame_rate(self) -> float:
        """STFT frames per second."""
        return self.sample_rate / self.hop


def mono(audio: np.ndarray) -> np.ndarray:
    """(frames,) float64 mono mix of (frames, channels) or (frames,) audio."""
    data = np.asarray(audio, dtype=np.float64)
    return data if data.ndim == 1 else data.mean(axis=1)


def window(n_fft: int = N_FFT) -> np.ndarray:
    """The periodic Hann window every STFT here uses."""
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float64)


def stft(signal: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Complex64 STFT (frames, bins) of a 1-D signal, frames centred on multiples of `hop`.

    Single precision: these spectra feed level and texture estimates, never a bit-exact path.
    """
    padded = np.pad(np.asarray(signal, dtype=np.float32), (n_fft // 2, n_fft // 2))
    if padded.shape[0] < n_fft:
        padded = np.pad(padded, (0, n_fft - padded.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    return sp_fft.rfft(frames * window(n_fft).astype(np.float32), axis=1)


def istft(spectrum: np.ndarray, length: int, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Weighted overlap-add inverse of `stft`, `length` samples long."""
    win = window(n_fft).astype(np.float32)
    frames = sp_fft.irfft(spectrum, n=n_fft, axis=1) * win
    count, parts = frames.shape[0], n_fft // hop
    out = np.zeros((count + parts, hop), dtype=np.float32)
    norm = np.zeros((count + parts, hop), dtype=np.float32)
    # Frame i's r-th hop-long part lands in block i + r: n_fft/hop strided adds in all.
    for r in range(parts):
        out[r : r + count] += frames[:, r * hop : (r + 1) * hop]
        norm[r : r + count] += np.square(win[r * hop : (r + 1) * hop])
    start = n_fft // 2
    out_flat, norm_flat = out.ravel()[start : start + length], norm.ravel()[start : start + length]
    result = out_flat / np.maximum(norm_flat, 1e-8)
    if result.shape[0] < length:
        result = np.pad(result, (0, length - result.shape[0]))
    return result


def magnitude(signal: np.ndarray, sample_rate: int) -> Spectrogram:
    """Magnitude spectrogram (float32) of a mono signal."""
    return Spectrogram(np.abs(stft(signal)), sample_rate, HOP)


@functools.lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int = N_FFT, bands: int = MEL_BANDS) -> np.ndarray:
    """Triangular HTK-mel filters (bands, bins), each normalised to unit area (cached: do not
    write to it)."""
    fmax = min(MEL_FMAX_HZ, sample_rate / 2.0)
    mels = np.linspace(_hz_to_mel(MEL_FMIN_HZ), _hz_to_mel(fmax), bands + 2)
    edges = _mel_to_hz(mels)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    fb = np.maximum(0.0, np.minimum(rising, falling))
    # A band narrower than a bin would be empty: give it its nearest bin.
    for b in np.flatnonzero(fb.sum(axis=1) == 0):
        fb[b, int(np.argmin(np.abs(freqs - centre[b, 0])))] = 1.0
    fb = fb / fb.sum(axis=1, keepdims=True)
    fb.setflags(write=False)
    return fb


def _hz_to_mel(hz: float | np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_power(spec: Spectrogram) -> np.ndarray:
    """Mel-band power (frames, bands), float64 (summed in single precision, as the STFT is)."""
    fb = mel_filterbank(spec.sample_rate, 2 * (spec.magnitude.shape[1] - 1))
    power = np.square(spec.magnitude, dtype=np.float32)
    return (power @ fb.T.astype(np.float32)).astype(np.float64)


def log_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Log-mel spectrogram in dB (frames, 64 bands) of the audio's mono mix."""
    return 10.0 * np.log10(mel_power(magnitude(mono(audio), sample_rate)) + EPS)


def texture_distance(a: np.ndarray, b: np.ndarray, sample_rate: int) -> float:
    """RMS over bands (dB) of the difference of two clips' time-averaged log-mel spectra."""
    mean_a = log_mel(a, sample_rate).mean(axis=0)
    mean_b = log_mel(b, sample_rate).mean(axis=0)
    return float(np.sqrt(np.mean(np.square(mean_a - mean_b))))


def flux_from_log_mel(logmel: np.ndarray) -> np.ndarray:
    """Spectral flux per frame: mean over bands of the rise in dB since the previous frame."""
    rise = np.diff(logmel, axis=0, prepend=logmel[:1])
    return np.maximum(rise, 0.0).mean(axis=1)


def spectral_flux(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Spectral flux per STFT frame (dB, half-wave rectified, mean over 64 mel bands)."""
    return flux_from_log_mel(log_mel(audio, sample_rate))


def pick_onsets(flux: np.ndarray, frame_rate: float) -> np.ndarray:
    """Frame indices of onsets: flux peaks above their running median by ONSET_DELTA dB."""
    if flux.shape[0] < 3:
        return np.zeros(0, dtype=np.int64)
    size = max(3, int(ONSET_MEDIAN_S * frame_rate) | 1)
    baseline = ndimage.median_filter(flux, size=size, mode="nearest")
    is_peak = (flux[1:-1] >= flux[:-2]) & (flux[1:-1] > flux[2:])
    candidates = np.flatnonzero(is_peak & (flux[1:-1] > baseline[1:-1] + ONSET_DELTA)) + 1
    gap = max(1, round(ONSET_MIN_GAP_S * frame_rate))
    kept: list[int] = []
    for frame in candidates:
        if kept and frame - kept[-1] < gap:
            if flux[frame] > flux[kept[-1]]:
                kept[-1] = int(frame)
            continue
        kept.append(int(frame))
    return np.asarray(kept, dtype=np.int64)


def onset_times(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset times in seconds of the audio's mono mix (none in the first EDGE_S: the rise from
    the STFT's zero padding there is the edge, not an onset)."""
    return onset_times_of_log_mel(log_mel(audio, sample_rate), sample_rate)


def onset_times_of_log_mel(logmel: np.ndarray, sample_rate: int) -> np.ndarray:
    """`onset_times` from the audio's log-mel spectrogram (see `log_mel`), taken already."""
    flux = flux_from_log_mel(logmel)
    times = pick_onsets(flux, sample_rate / HOP) * HOP / sample_rate
    return times[times >= EDGE_S]


def onset_rate(audio: np.ndarray, sample_rate: int) -> float:
    """Onsets per second."""
    seconds = np.asarray(audio).shape[0] / sample_rate
    return float(onset_times(audio, sample_rate).shape[0] / seconds) if seconds > 0 else 0.0


def block_rms_db(audio: np.ndarray) -> float:
    """RMS level in dBFS of a block of audio (all channels)."""
    power = float(np.mean(np.square(np.asarray(audio, dtype=np.float64))))
    return 10.0 * np.log10(power + EPS)
