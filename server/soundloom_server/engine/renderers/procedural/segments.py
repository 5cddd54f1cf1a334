"""Long beds as a chain of shorter renders, spliced where they line up.

A recipe renders a whole clip at once, with temporaries many times the clip's size, so a
10-minute bed would need gigabytes. Beds are stationary textures: past `WHOLE_BED_S` a bed is
rendered as `SEGMENT_S` segments, each seeded on its own, and every join is a `SPLICE_S`
crossfade placed at the lag (up to `SEARCH_S`) where the next segment's waveform best matches
the previous one's tail (as WSOLA does), so a clock's ticks or an engine's cycles carry on
through the join instead of doubling. The fade keeps the power constant for the correlation
the two sides actually have (equal-gain when they match, equal-power when they don't).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy import fft

from soundloom_server.engine.audio import ClipPiece
from soundloom_server.engine.cancellation import raise_if_cancelled

WHOLE_BED_S = 45.0  # beds up to this long render in one go
SEGMENT_S = 20.0  # nominal length of each segment after the first join
SPLICE_S = 1.0  # crossfade at each join
SEARCH_S = 1.5  # how far into the next segment the join may look for a match (a period)

# Renders frames [lo, lo + length) of the bed as segment `index` (its own seed).
SegmentRender = Callable[[int, int, int], np.ndarray]


def needs_segments(frames: int, sample_rate: int) -> bool:
    """Whether a bed this long renders as spliced segments."""
    return frames > WHOLE_BED_S * sample_rate


def spliced_pieces(render: SegmentRender, frames: int, sample_rate: int) -> Iterator[ClipPiece]:
    """The bed's frames as pieces in order; each segment is rendered once and then dropped."""
    segment, splice = int(SEGMENT_S * sample_rate), int(SPLICE_S * sample_rate)
    search = int(SEARCH_S * sample_rate)
    first = render(0, 0, segment + splice)
    yield ClipPiece(0, first[:segment])
    tail, pos, index = first[segment : segment + splice], segment, 1
    del first
    while pos < frames:
        raise_if_cancelled()
        remaining = frames - pos
        body = min(segment, remaining)
        has_tail = remaining > segment
        length = search + body + (splice if has_tail else 0)
        audio = render(index, pos, length)
        lag, rho = best_lag(tail, audio[: search + splice])
        join = min(splice, body)
        yield ClipPiece(pos, crossfade(tail[:join], audio[lag : lag + join], rho))
        if body > join:
            yield ClipPiece(pos + join, audio[lag + join : lag + body])
        tail = audio[lag + body : lag + body + splice] if has_tail else tail
        pos, index = pos + body, index + 1


def best_lag(tail: np.ndarray, head: np.ndarray) -> tuple[int, float]:
    """Lag into `head` where its window of `len(tail)` frames best matches `tail`, and the
    normalised correlation there (0 for noise, near 1 for a periodic sound in step)."""
    n = tail.shape[0]
    lags = head.shape[0] - n + 1
    if lags <= 1 or n == 0:
        return 0, 0.0
    a, b = tail.mean(axis=1, dtype=np.float64), head.mean(axis=1, dtype=np.float64)
    size = fft.next_fast_len(head.shape[0] + n, real=True)
    xcorr = fft.irfft(fft.rfft(b, size) * np.conj(fft.rfft(a, size)), size)[:lags]
    energy = np.concatenate([[0.0], np.cumsum(np.square(b))])
    window = energy[n : n + lags] - energy[:lags]
    norm = np.sqrt(np.maximum(window, 1e-20) * max(float(np.dot(a, a)), 1e-20))
    score = xcorr / norm
    lag = int(np.argmax(score))
    return lag, float(np.clip(score[lag], 0.0, 1.0))


def crossfade(out_going: np.ndarray, in_coming: np.ndarray, rho: float) -> np.ndarray:
    """Raised-cosine crossfade with gains normalised so power holds for correlation `rho`."""
    n = out_going.shape[0]
    s = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n, dtype=np.float64) + 0.5) / max(n, 1))
    a, b = 1.0 - s, s
    norm = np.sqrt(a * a + b * b + 2.0 * rho * a * b)
    ga, gb = (a / norm).astype(np.float32), (b / norm).astype(np.float32)
    return out_going * ga[:, None] + in_coming * gb[:, None]
