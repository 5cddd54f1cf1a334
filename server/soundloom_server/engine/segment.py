"""Split a long render into about-equal segments for streaming, cutting where it is least audible.

Segments are contiguous [start, end) frame ranges that concatenate to the whole, sample-exact,
so a player can chain them gaplessly. Each cut prefers, within ±25 % of the nominal cut: an event
boundary (nearest first), else the quietest short window of the audio snapped to a zero crossing,
else the nominal position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.loop import find_zero_crossing

TOLERANCE = 0.25  # a cut may move this fraction of segment_s from its nominal position
MIN_FRACTION = 0.25  # no segment shorter than this fraction of segment_s (but a lone whole)
RMS_WINDOW_S = 0.01
ZERO_CROSSING_SEARCH_S = 0.005


def _quietest(audio: np.ndarray, lo: int, hi: int, target: int, sample_rate: int) -> int:
    """Centre of the lowest-RMS short window in [lo, hi], snapped to a zero crossing in range.

    Among equally quiet windows (a stretch of silence) the one nearest `target` wins.
    """
    win = max(1, round(RMS_WINDOW_S * sample_rate))
    half = win // 2
    a = max(0, lo - half)
    b = min(audio.shape[0], hi + half + 1)
    energy = np.square(audio[a:b], dtype=np.float64).sum(axis=1)
    if energy.shape[0] < win:
        return (lo + hi) // 2
    csum = np.concatenate([[0.0], np.cumsum(energy)])
    window_energy = csum[win:] - csum[:-win]  # window_energy[k] covers frames a+k .. a+k+win-1
    centres = np.arange(window_energy.shape[0]) + a + half
    valid = (centres >= lo) & (centres <= hi)
    if not valid.any():
        return (lo + hi) // 2
    scores = np.where(valid, window_energy, np.inf)
    # A small slack absorbs cumsum rounding, so equal energies count as ties.
    quiet = scores <= scores.min() * (1 + 1e-9) + 1e-12
    candidates = centres[quiet]
    cut = int(candidates[np.argmin(np.abs(candidates - target))])
    snapped = find_zero_crossing(audio, cut, round(ZERO_CROSSING_SEARCH_S * sample_rate))
    return snapped if lo <= snapped <= hi else cut


def segment_bounds(
    total_frames: int,
    sample_rate: int,
    segment_s: float,
    boundaries: Sequence[int] = (),
    audio: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Contiguous [start, end) ranges of about segment_s covering total_frames exactly once."""
    if total_frames < 0:
        raise InvalidArgument("total_frames", f"must be >= 0, got {total_frames}")
    if sample_rate <= 0:
        raise InvalidArgument("sample_rate", f"must be > 0, got {sample_rate}")
    if audio is not None:
        audio = np.asarray(audio)
        if audio.ndim == 1:
            audio = audio[:, None]
        if audio.shape[0] != total_frames:
            raise InvalidArgument(
                "audio", f"must have total_frames={total_frames} frames, got {audio.shape[0]}"
            )
    if total_frames == 0:
        return []
    nominal = round(segment_s * sample_rate) if segment_s > 0 else 0
    if nominal <= 0:
        return [(0, total_frames)]
    tol = int(TOLERANCE * nominal)
    min_len = max(1, int(MIN_FRACTION * nominal))
    events = np.unique(np.asarray(list(boundaries), dtype=np.int64))

    bounds: list[tuple[int, int]] = []
    start = 0
    while total_frames - start > nominal:
        target = start + nominal
        if total_frames - target < min_len:
            break  # the remainder would be a sliver: it stays in this segment
        lo = max(start + min_len, target - tol)
        # Never cut so late that the rest becomes shorter than the minimum.
        hi = min(target + tol, total_frames - min_len)
        cut = target
        near = events[(events >= lo) & (events <= hi)] if events.size else events
        if near.size:
            cut = int(near[np.argmin(np.abs(near - target))])
        elif audio is not None and hi > lo:
            cut = _quietest(audio, lo, hi, target, sample_rate)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, total_frames))
    return bounds
