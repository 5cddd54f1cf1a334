"""The measures a continuation is judged by (issue 17), for tests, the bench and the README.

- texture distance: time-averaged log-mel (64 bands) of the new part against the clip's last
  5 s, beside the same distance between the clip's own two halves;
- onset rate of the new part over the clip's;
- copying: the highest normalised cross-correlation of 2 s probes of the new part anywhere in
  the clip (a copy scores 1);
- the seam: spectral flux at the seam (mean of the 5 frames around it, ±10 ms) against the
  clip's own 99th percentile, and the RMS step from the second before it to the second after;
- loudness of the whole result against the clip's, and of the new part against the clip's
  last 5 s (what it continues; a clip whose halves differ by several dB has no one level).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import signal

from soundloom_server.engine.continuation import features as ft
from soundloom_server.engine.continuation.seam import level_step_db
from soundloom_server.engine.loudness import integrated_lufs, is_measurable

PROBE_S = 2.0
MAX_PROBES = 8
CORRELATION_RATE = 16000
RECENT_S = 5.0
SEAM_FRAMES = 2  # either side of the seam's frame


@dataclass(frozen=True)
class ContinuationReport:
    """A continuation's figures against its clip."""

    texture_distance_db: float
    halves_distance_db: float
    onset_rate_clip_hz: float
    onset_rate_new_hz: float
    max_probe_correlation: float
    seam_flux_db: float
    clip_flux_p99_db: float
    level_step_db: float
    clip_lufs: float
    clip_recent_lufs: float  # the clip's last 5 s, which the continuation follows
    output_lufs: float
    new_part_lufs: float

    @property
    def texture_ratio(self) -> float:
        """Texture distance over the clip's halves' distance (goal ≤ 1.5)."""
        return self.texture_distance_db / max(self.halves_distance_db, 1e-9)

    @property
    def onset_ratio(self) -> float:
        """New onset rate over the clip's (goal 0.7-1.3)."""
        return self.onset_rate_new_hz / max(self.onset_rate_clip_hz, 1e-9)

    def to_dict(self) -> dict[str, float]:
        """Plain numbers, ratios included."""
        return {
            **asdict(self),
            "texture_ratio": self.texture_ratio,
            "onset_ratio": self.onset_ratio,
        }


def measure_continuation(
    clip: np.ndarray, output: np.ndarray, sample_rate: int, seam_s: float
) -> ContinuationReport:
    """Judge `output` (the clip up to `seam_s`, then its continuation) against `clip`."""
    seam = round(seam_s * sample_rate)
    new = output[seam:]
    half = clip.shape[0] // 2
    recent = clip[-round(RECENT_S * sample_rate) :]
    flux = ft.spectral_flux(clip, sample_rate)
    return ContinuationReport(
        texture_distance_db=ft.texture_distance(new, recent, sample_rate),
        halves_distance_db=ft.texture_distance(clip[:half], clip[half:], sample_rate),
        onset_rate_clip_hz=ft.onset_rate(clip, sample_rate),
        onset_rate_new_hz=ft.onset_rate(new, sample_rate),
        max_probe_correlation=max_probe_correlation(new, clip, sample_rate),
        seam_flux_db=flux_at(output, sample_rate, seam_s),
        clip_flux_p99_db=float(np.percentile(flux[1:], 99)),
        level_step_db=float(level_step_db(output, sample_rate, seam_s)),
        clip_lufs=_lufs(clip, sample_rate),
        clip_recent_lufs=_lufs(recent, sample_rate),
        output_lufs=_lufs(output, sample_rate),
        new_part_lufs=_lufs(new, sample_rate),
    )


def flux_at(audio: np.ndarray, sample_rate: int, time_s: float) -> float:
    """Mean spectral flux of the frames within ±SEAM_FRAMES of `time_s`."""
    flux = ft.spectral_flux(audio, sample_rate)
    frame = round(time_s * sample_rate / ft.HOP)
    lo, hi = max(1, frame - SEAM_FRAMES), min(flux.shape[0], frame + SEAM_FRAMES + 1)
    return float(flux[lo:hi].mean()) if hi > lo else 0.0


def max_probe_correlation(new: np.ndarray, clip: np.ndarray, sample_rate: int) -> float:
    """Highest |normalised cross-correlation| of 2 s probes of `new` at any lag in `clip`."""
    rate = CORRELATION_RATE
    g = math.gcd(sample_rate, rate)
    a = signal.resample_poly(ft.mono(clip), rate // g, sample_rate // g)
    b = signal.resample_poly(ft.mono(new), rate // g, sample_rate // g)
    n = min(round(PROBE_S * rate), a.shape[0], b.shape[0])
    if n < 16:
        return 0.0
    count = max(1, min(MAX_PROBES, b.shape[0] // n))
    starts = np.linspace(0, b.shape[0] - n, count).astype(int)
    window_energy = signal.fftconvolve(np.square(a), np.ones(n), mode="valid")
    best = 0.0
    for start in starts:
        probe = b[start : start + n]
        energy = float(np.square(probe).sum())
        if energy <= 0:
            continue
        dots = signal.fftconvolve(a, probe[::-1], mode="valid")
        ncc = np.abs(dots) / np.sqrt(np.maximum(window_energy, 1e-20) * energy)
        best = max(best, float(ncc.max()))
    return best


def _lufs(audio: np.ndarray, sample_rate: int) -> float:
    if not is_measurable(audio.shape[0], sample_rate):
        return float("-inf")
    return float(integrated_lufs(audio, sample_rate))
