"""The join: where in the clip's last seconds to cross over, and how to keep its level.

The seam goes where the clip's spectral flux, averaged over the crossfade, is lowest in its last
SEARCH_S (between events, not on one); the crossfade is equal-power (the two sides are
uncorrelated). The continuation's level over the first second after the seam is matched to the
clip's last second before it, relaxing to the continuation's own level over LEVEL_RELAX_S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.continuation import features as ft

SEARCH_S = 3.0
CROSSFADE_S = 0.25
LEVEL_WINDOW_S = 1.0
LEVEL_RELAX_S = 1.0
MAX_LEVEL_MATCH_DB = 6.0


@dataclass(frozen=True)
class Seam:
    """Where the continuation takes over (clip time, s) and the crossfade's length (s)."""

    time_s: float
    crossfade_s: float


def choose_seam(samples: np.ndarray, sample_rate: int, logmel: np.ndarray | None = None) -> Seam:
    """The lowest-flux point of the clip's last seconds, a crossfade's half before its end
    (`logmel`: the clip's `ft.log_mel`, when taken already)."""
    seconds = samples.shape[0] / sample_rate
    crossfade = min(CROSSFADE_S, seconds / 4.0)
    logmel = ft.log_mel(samples, sample_rate) if logmel is None else logmel
    flux = ft.flux_from_log_mel(logmel)
    frame_rate = sample_rate / ft.HOP
    width = max(1, round(crossfade * frame_rate))
    smooth = np.convolve(flux, np.ones(width) / width, mode="same")
    latest = seconds - crossfade / 2.0
    earliest = max(crossfade / 2.0, seconds / 2.0, seconds - SEARCH_S)
    lo = max(1, int(np.ceil(earliest * frame_rate)))
    hi = min(smooth.shape[0] - 1, int(np.floor(latest * frame_rate)))
    if hi <= lo:
        return Seam(round(latest, 6), crossfade)
    region = smooth[lo : hi + 1]
    # Equal flux: the later point keeps more of the clip.
    best = lo + int(np.flatnonzero(region <= region.min() + 1e-9)[-1])
    return Seam(round(min(best / frame_rate, latest), 6), crossfade)


def level_step_db(audio: np.ndarray, sample_rate: int, seam_s: float) -> float:
    """RMS step (dB) from the second before `seam_s` to the second after it."""
    seam = round(seam_s * sample_rate)
    window = round(LEVEL_WINDOW_S * sample_rate)
    return ft.block_rms_db(audio[seam : seam + window]) - ft.block_rms_db(
        audio[max(0, seam - window) : seam]
    )


def seam_flux(audio: np.ndarray, sample_rate: int, seam_s: float, crossfade_s: float) -> float:
    """The highest spectral flux within the crossfade around `seam_s`."""
    flux = ft.spectral_flux(audio, sample_rate)
    frame_rate = sample_rate / ft.HOP
    lo = max(1, round((seam_s - crossfade_s / 2.0) * frame_rate))
    hi = min(flux.shape[0], round((seam_s + crossfade_s / 2.0) * frame_rate) + 1)
    return float(flux[lo:hi].max()) if hi > lo else 0.0
