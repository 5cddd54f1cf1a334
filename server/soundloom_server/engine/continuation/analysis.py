"""Understanding a clip: its loudness, spectral envelope over time, bed/events split, onsets,
inter-onset statistics and stationarity — the facts the continuation is planned and made from.

The bed/events split is transient masking in the mel domain: the bed is each band's running
median over BED_MEDIAN_S (short events do not move a median), the events are what rises above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from soundloom_server.engine.continuation import features as ft
from soundloom_server.engine.loudness import integrated_lufs, is_measurable, loudness_range_lu

BED_MEDIAN_S = 0.3
MEDIAN_DECIMATION = 4
# A frame whose mel power is this many times its bed's carries an event (1.5 dB over it).
EVENT_FRAME_RATIO = 1.4
RECENT_S = 5.0  # the continuation sounds like the clip's last seconds


@dataclass(frozen=True)
class Split:
    """A clip's STFT per channel and its mel-domain bed/events split."""

    spectra: tuple[np.ndarray, ...]  # complex (frames, bins) per channel
    mel: tuple[np.ndarray, ...]  # mel power (frames, bands) per channel
    bed_mel: tuple[np.ndarray, ...]  # running-median bed, same shape
    mono_log_mel: np.ndarray  # dB (frames, bands) of the mono mix
    event_frames: np.ndarray  # bool (frames,): frames where an event rises over the bed
    sample_rate: int

    @property
    def frame_rate(self) -> float:
        """STFT frames per second."""
        return self.sample_rate / ft.HOP

    @property
    def frames(self) -> int:
        """Number of STFT frames."""
        return int(self.mono_log_mel.shape[0])


@dataclass(frozen=True)
class ClipAnalysis:
    """What the clip is like, in numbers a plan and a person can read."""

    duration_s: float
    sample_rate: int
    channels: int
    integrated_lufs: float
    recent_lufs: float  # the last RECENT_S, which the continuation follows
    loudness_range_lu: float
    onset_rate_hz: float
    inter_onset_mean_s: float
    inter_onset_cv: float  # std / mean: 0 a clock, ~1 random (Poisson) events
    event_fraction: float  # share of frames where an event rises over the bed
    stationarity_db: float  # texture distance between the clip's two halves (0 = steady)
    flux_p99: float  # the clip's own 99th percentile of spectral flux (dB)
    spectral_centroid_hz: float

    def summary(self) -> str:
        """One line for plan notes and logs."""
        return (
            f"{self.duration_s:.1f} s, {self.integrated_lufs:.1f} LUFS, LRA "
            f"{self.loudness_range_lu:.1f} LU, {self.onset_rate_hz:.2f} onsets/s (IOI CV "
            f"{self.inter_onset_cv:.2f}), events in {100 * self.event_fraction:.0f} % of "
            f"frames, halves {self.stationarity_db:.2f} dB apart"
        )


def split_bed_events(samples: np.ndarray, sample_rate: int) -> Split:
    """STFT each channel and split its mel power into a slow bed and the events above it."""
    fb = ft.mel_filterbank(sample_rate)
    spectra, mels, beds = [], [], []
    for ch in range(samples.shape[1]):
        spectrum = ft.stft(samples[:, ch])
        power = (np.square(np.abs(spectrum)) @ fb.T).astype(np.float64)
        spectra.append(spectrum)
        mels.append(power)
        beds.append(running_median(power, round(BED_MEDIAN_S * sample_rate / ft.HOP)))
    mono_spectrum = sum(spectra) / len(spectra)  # the STFT is linear: no third transform
    mono_power = (np.square(np.abs(mono_spectrum)) @ fb.T).astype(np.float64)
    total = sum(m.sum(axis=1) for m in mels)
    bed_total = sum(b.sum(axis=1) for b in beds)
    event_frames = total > EVENT_FRAME_RATIO * np.maximum(bed_total, ft.EPS)
    return Split(
        spectra=tuple(spectra),
        mel=tuple(mels),
        bed_mel=tuple(beds),
        mono_log_mel=10.0 * np.log10(mono_power + ft.EPS),
        event_frames=event_frames,
        sample_rate=sample_rate,
    )


def running_median(power: np.ndarray, frames: int) -> np.ndarray:
    """Each band's running median over `frames`, taken on 4-frame means (16x less work; the
    bed moves slower than that) and spread back to every frame."""
    step = MEDIAN_DECIMATION
    count = power.shape[0]
    blocks = -(-count // step)
    padded = np.pad(power, ((0, blocks * step - count), (0, 0)), mode="edge")
    coarse = padded.reshape(blocks, step, -1).mean(axis=1)
    size = max(3, (frames // step) | 1)
    median = ndimage.median_filter(coarse, size=(size, 1), mode="nearest")
    centres = np.arange(blocks) * step + (step - 1) / 2.0
    at = np.arange(count)
    return np.stack([np.interp(at, centres, median[:, b]) for b in range(power.shape[1])], axis=1)


def onsets_before(split: Split, end_s: float) -> np.ndarray:
    """Onset times (s) of the clip that start before `end_s`."""
    flux = ft.flux_from_log_mel(split.mono_log_mel)
    times = ft.pick_onsets(flux, split.frame_rate) / split.frame_rate
    return times[times < end_s]


def analyse_clip(samples: np.ndarray, sample_rate: int, split: Split | None = None) -> ClipAnalysis:
    """Measure the clip: loudness and range, onsets and their spacing, events, steadiness."""
    split = split or split_bed_events(samples, sample_rate)
    seconds = samples.shape[0] / sample_rate
    onsets = onsets_before(split, seconds + 1.0)
    gaps = np.diff(onsets)
    mean_gap = float(gaps.mean()) if gaps.size else 0.0
    cv = float(gaps.std() / mean_gap) if gaps.size > 1 and mean_gap > 0 else 0.0
    flux = ft.flux_from_log_mel(split.mono_log_mel)
    mean_mel = np.power(10.0, split.mono_log_mel / 10.0).mean(axis=0)
    fb_centres = _band_centres(sample_rate)
    return ClipAnalysis(
        duration_s=seconds,
        sample_rate=sample_rate,
        channels=int(samples.shape[1]),
        integrated_lufs=_lufs(samples, sample_rate),
        recent_lufs=_lufs(samples[-round(RECENT_S * sample_rate) :], sample_rate),
        loudness_range_lu=_lra(samples, sample_rate),
        onset_rate_hz=onsets.shape[0] / seconds,
        inter_onset_mean_s=mean_gap,
        inter_onset_cv=cv,
        event_fraction=float(split.event_frames.mean()),
        stationarity_db=halves_distance_db(split),
        flux_p99=float(np.percentile(flux[1:], 99)) if flux.shape[0] > 1 else 0.0,
        spectral_centroid_hz=float((mean_mel * fb_centres).sum() / max(mean_mel.sum(), ft.EPS)),
    )


def halves_distance_db(split: Split) -> float:
    """Texture distance (dB, as `ft.texture_distance`) between the clip's two halves."""
    half = split.frames // 2
    if half < 1:
        return 0.0
    first = split.mono_log_mel[:half].mean(axis=0)
    second = split.mono_log_mel[half:].mean(axis=0)
    return float(np.sqrt(np.mean(np.square(first - second))))


def _band_centres(sample_rate: int) -> np.ndarray:
    fb = ft.mel_filterbank(sample_rate)
    freqs = np.fft.rfftfreq(ft.N_FFT, 1.0 / sample_rate)
    return (fb * freqs).sum(axis=1)


def _lufs(samples: np.ndarray, sample_rate: int) -> float:
    if not is_measurable(samples.shape[0], sample_rate):
        return float("-inf")
    return float(integrated_lufs(samples, sample_rate))


def _lra(samples: np.ndarray, sample_rate: int) -> float:
    value = float(loudness_range_lu(samples, sample_rate))
    return value if math.isfinite(value) else 0.0


def recent_frames(split: Split, end_s: float, seconds: float = RECENT_S) -> slice:
    """The STFT frames of the `seconds` before `end_s` (the whole clip when shorter)."""
    stop = min(split.frames, max(1, round(end_s * split.frame_rate)))
    start = max(0, stop - round(seconds * split.frame_rate))
    return slice(start, stop)
