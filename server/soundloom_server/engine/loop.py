"""Seamless loops: equal-power "tail over head" crossfades, zero-crossing snapping, seam metrics.

A bed is rendered a little longer than its loop (`loop_tail_frames`); `make_loop` folds that extra
tail over the loop's head so that the wrap from the last frame to the first continues exactly as
the rendered audio did. `loop_region` does the same for a stretch inside a longer buffer (an intro
followed by a loop). `seam_metrics` measures how audible the seam is.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.audio import LoopPoints

MAX_TAIL_S = 2.0
TAIL_FRACTION = 0.25
MIN_TAIL_S = 0.05


def loop_tail_frames(sample_rate: int, duration_s: float) -> int:
    """Frames to render past the loop end for the crossfade: min(2 s, 25 %), at least 50 ms."""
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be > 0, got {sample_rate}")
    if duration_s <= 0:
        raise ValueError(f"duration_s must be > 0, got {duration_s}")
    tail_s = max(MIN_TAIL_S, min(MAX_TAIL_S, TAIL_FRACTION * duration_s))
    return max(1, round(tail_s * sample_rate))


def equal_power_gains(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(fade_in, fade_out) gains of length n with fade_in² + fade_out² = 1; fade_out[0] == 1."""
    # t = i/n (not (i+0.5)/n) so the first crossfaded frame is exactly the fading-out signal:
    # that frame follows the loop's last frame, and must continue it with no trace of the head.
    t = np.arange(n, dtype=np.float64) / n
    c = np.cos(np.pi * t)
    fade_in = np.sqrt(np.clip(0.5 * (1.0 - c), 0.0, 1.0))
    fade_out = np.sqrt(np.clip(0.5 * (1.0 + c), 0.0, 1.0))
    return fade_in, fade_out


def _crossfade(
    fade_out_part: np.ndarray, fade_in_part: np.ndarray, exact_end: bool = False
) -> np.ndarray:
    """Equal-power crossfade of two equal-length (frames, ch) buffers, computed in float64.

    Exact at the start (first frame = fade_out_part[0]) or, with exact_end, at the end.
    """
    g_in, g_out = equal_power_gains(fade_out_part.shape[0])
    if exact_end:
        g_in, g_out = g_out[::-1], g_in[::-1]
    mixed = fade_out_part * g_out[:, None] + fade_in_part * g_in[:, None]
    return mixed.astype(np.float32)


def _as_2d(audio: np.ndarray) -> tuple[np.ndarray, bool]:
    arr = np.asarray(audio)
    if arr.ndim == 1:
        return arr[:, None], True
    if arr.ndim != 2:
        raise ValueError(f"audio must be shaped (frames,) or (frames, channels), got {arr.shape}")
    return arr, False


def make_loop(audio: np.ndarray, loop_frames: int) -> np.ndarray:
    """Fold the extra tail `audio[loop_frames:]` over the head: a seamless loop of loop_frames."""
    arr, mono = _as_2d(audio)
    if loop_frames < 1:
        raise ValueError(f"loop_frames must be >= 1, got {loop_frames}")
    extra = arr.shape[0] - loop_frames
    if extra < 1:
        raise ValueError(
            f"audio must be longer than loop_frames to crossfade (got {arr.shape[0]} frames "
            f"for loop_frames={loop_frames})"
        )
    # A tail longer than the loop cannot be folded entirely; its first loop_frames suffice.
    n = min(extra, loop_frames)
    out = arr[:loop_frames].astype(np.float32, copy=True)
    out[:n] = _crossfade(arr[loop_frames : loop_frames + n], arr[:n])
    return out[:, 0] if mono else out


def _channel_sum(audio: np.ndarray) -> np.ndarray:
    arr, _ = _as_2d(audio)
    return arr.sum(axis=1, dtype=np.float64)


def find_zero_crossing(audio: np.ndarray, near: int, search: int) -> int:
    """Nearest rising zero crossing of the channel sum within ±search of `near`; else `near`."""
    mono = _channel_sum(audio)
    total = mono.shape[0]
    lo = max(1, near - max(0, search))
    hi = min(total - 1, near + max(0, search))
    if hi < lo:
        return near
    # Frame i is a crossing when the sum goes from negative to non-negative between i-1 and i.
    prev = mono[lo - 1 : hi]
    cur = mono[lo : hi + 1]
    hits = np.flatnonzero((prev < 0.0) & (cur >= 0.0)) + lo
    if hits.size == 0:
        return near
    return int(hits[np.argmin(np.abs(hits - near))])


def level_matched_start(
    loop: np.ndarray, sample_rate: int, max_shift: int, window_s: float = 0.1
) -> int:
    """Where to start a circular loop (0..max_shift) so the level just before and after match.

    A finished loop is a circle; starting it where the 100 ms on either side of the wrap carry the
    same energy (and at a rising zero crossing) hides the seam from level meters and ears alike.
    Returns the earliest frame within 3 % RMS of a match, else the best one found.
    """
    arr, _ = _as_2d(loop)
    total = arr.shape[0]
    window = max(1, round(window_s * sample_rate))
    if total < 4 * window or max_shift <= 0:
        return 0
    energy = np.square(arr, dtype=np.float64).sum(axis=1)
    circular = np.concatenate([energy[-window:], energy, energy[:window]])
    csum = np.concatenate([[0.0], np.cumsum(circular)])
    step = max(1, sample_rate // 200)  # 5 ms grid, then a zero crossing near the pick
    starts = np.arange(0, min(max_shift, total - 1) + 1, step)
    before = csum[starts + window] - csum[starts]
    after = csum[starts + 2 * window] - csum[starts + window]
    ratio = np.sqrt(np.minimum(before, after) / np.maximum(np.maximum(before, after), 1e-30))
    good = np.flatnonzero(ratio >= 0.97)
    pick = int(starts[good[0]] if good.size else starts[int(np.argmax(ratio))])
    if pick == 0:
        return 0
    return find_zero_crossing(arr, pick, min(step, max_shift - pick, pick))


def loop_region(
    audio: np.ndarray,
    start: int,
    end: int,
    crossfade: int,
    search: int | None = None,
) -> tuple[np.ndarray, LoopPoints]:
    """Make audio[start:end] loop seamlessly in place; returns audio[:end'] and its LoopPoints.

    start/end snap to rising zero crossings (within `search`, default min(crossfade/2, len/8)).
    The crossfade uses the material before `start` (pre-roll) so that playing from frame 0 into
    the loop stays untouched; when there is too little of it, the material after `end` is folded
    over the loop head instead; with neither, the loop is shortened to make room.
    """
    arr, mono = _as_2d(audio)
    total = arr.shape[0]
    if not 0 <= start < end <= total:
        raise ValueError(f"start/end must satisfy 0 <= start < end <= {total}, got {start}, {end}")
    if crossfade < 1:
        raise ValueError(f"crossfade must be >= 1, got {crossfade}")
    if search is None:
        search = max(0, min(crossfade // 2, (end - start) // 8))
    s = find_zero_crossing(arr, start, search) if start > 0 else 0
    e = find_zero_crossing(arr, end, search) if end < total else total
    if e - s < 2:
        s, e = start, end
    # Never crossfade more than half the loop: the rest must play unaltered.
    n = min(crossfade, (e - s) // 2)
    if n < 1:
        raise ValueError(f"end - start must be >= 2 frames, got {e - s}")
    out = arr[:e].astype(np.float32, copy=True)
    if s >= n:
        # Loop end fades into the material that preceded the loop start, so the last frame
        # leads into out[s] just as audio[s-1] did.
        out[e - n : e] = _crossfade(arr[e - n : e], arr[s - n : s], exact_end=True)
    else:
        post = total - e
        if post < n:
            # Too little material on either side: give up loop length for crossfade material.
            e -= n - post
            out = out[:e]
        out[s : s + n] = _crossfade(arr[e : e + n], arr[s : s + n])
    result = out[:, 0] if mono else out
    return result, LoopPoints(start=s, length=e - s)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _lag1_correlation(x: np.ndarray) -> float:
    """Mean over channels of the normalised lag-1 autocorrelation of x (frames, ch)."""
    vals = []
    for c in range(x.shape[1]):
        a = x[:-1, c] - x[:-1, c].mean()
        b = x[1:, c] - x[1:, c].mean()
        denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
        vals.append(float(np.dot(a, b)) / denom if denom > 0 else 1.0)
    return float(np.mean(vals)) if vals else 1.0


def seam_metrics(audio: np.ndarray, sample_rate: int) -> dict[str, float]:
    """How audible the wrap from the last frame to the first is (for tests and the sidecar).

    - rms_ratio: min/max RMS of the first vs the last 100 ms (1.0 = equal).
    - seam_jump: max over channels of |x[0] - x[-1]|; median_jump / max_jump: the median and the
      largest sample-to-sample jump in the 20 ms either side of the seam (seam excluded);
      jump_ratio: seam jump / median jump, per channel, worst channel (≈1 is typical, a click is
      ≫ max_jump / median_jump).
    - seam_correlation: lag-1 autocorrelation of the last 20 ms followed by the first 20 ms, read
      as one continuous signal; interior_correlation: the same measured inside the signal.
    """
    arr, _ = _as_2d(audio)
    arr = arr.astype(np.float64)
    frames = arr.shape[0]
    if frames < 4:
        raise ValueError(f"audio must have at least 4 frames, got {frames}")
    n_rms = max(1, min(round(0.1 * sample_rate), frames // 2))
    rms_first = _rms(arr[:n_rms])
    rms_last = _rms(arr[-n_rms:])
    top = max(rms_first, rms_last)
    rms_ratio = min(rms_first, rms_last) / top if top > 0 else 1.0

    n_win = max(2, min(round(0.02 * sample_rate), frames // 2))
    wrapped = np.concatenate([arr[-n_win:], arr[:n_win]])
    jumps = np.abs(np.diff(wrapped, axis=0))
    seam = jumps[n_win - 1]
    around = np.delete(jumps, n_win - 1, axis=0)
    median = np.median(around, axis=0)
    tiny = 1e-12
    ratios = seam / np.maximum(median, tiny)
    ratios[(seam <= tiny) & (median <= tiny)] = 1.0

    mid = frames // 2
    interior = arr[max(0, mid - n_win) : mid + n_win]
    return {
        "rms_first": rms_first,
        "rms_last": rms_last,
        "rms_ratio": float(rms_ratio),
        "seam_jump": float(seam.max()),
        "median_jump": float(median.max()),
        "max_jump": float(around.max()),
        "jump_ratio": float(ratios.max()),
        "seam_correlation": _lag1_correlation(wrapped),
        "interior_correlation": _lag1_correlation(interior),
    }
