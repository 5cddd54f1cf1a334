"""Events longer than a model's window: overlapping segments joined by equal-power crossfades.

Pure NumPy, so the seam arithmetic is tested without torch. A long event of D seconds on a model
that makes at most M seconds becomes n segments of equal length L <= M overlapping by O, with
n*L - (n-1)*O = D. Segments are generated independently (each with its own seed), so their
material is uncorrelated across a seam: equal-power gains sqrt(1/2 (1 -+ t)) keep the level flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_OVERLAP_S = 1.0


@dataclass(frozen=True)
class SegmentPlan:
    """How one event is cut: `count` segments of `length_s`, overlapping by `overlap_s`."""

    count: int
    length_s: float
    overlap_s: float

    @property
    def hop_s(self) -> float:
        """Distance between segment starts, seconds."""
        return self.length_s - self.overlap_s


def plan_segments(
    duration_s: float, max_s: float, overlap_s: float = DEFAULT_OVERLAP_S
) -> SegmentPlan:
    """The fewest equal segments of at most `max_s` that cover `duration_s` with overlaps."""
    if duration_s <= max_s:
        return SegmentPlan(1, duration_s, 0.0)
    overlap = min(overlap_s, 0.25 * max_s)  # a seam never eats more than a quarter of a window
    count = math.ceil((duration_s - overlap) / (max_s - overlap))
    length = (duration_s + (count - 1) * overlap) / count
    return SegmentPlan(count, length, overlap)


def equal_power_fades(frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Fade-out and fade-in gains over `frames` whose squares sum to one."""
    t = np.linspace(-1.0, 1.0, frames, dtype=np.float64)
    fade_out = np.sqrt(0.5 * (1.0 - t))
    fade_in = np.sqrt(0.5 * (1.0 + t))
    return fade_out.astype(np.float32), fade_in.astype(np.float32)


def join_segments(segments: list[np.ndarray], overlap_frames: int) -> np.ndarray:
    """Overlap-add (frames, channels) segments with equal-power crossfades of `overlap_frames`."""
    if not segments:
        raise ValueError("no segments to join")
    out = np.asarray(segments[0], dtype=np.float32)
    for segment in segments[1:]:
        segment = np.asarray(segment, dtype=np.float32)
        n = min(overlap_frames, out.shape[0], segment.shape[0])
        if n <= 0:
            out = np.concatenate([out, segment])
            continue
        fade_out, fade_in = equal_power_fades(n)
        seam = out[-n:] * fade_out[:, None] + segment[:n] * fade_in[:, None]
        out = np.concatenate([out[:-n], seam, segment[n:]])
    return out
