"""Seamless loops: tail-over-head crossfade, zero crossings, loop regions, seam metrics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from soundloom_server.engine.loop import (
    equal_power_gains,
    find_zero_crossing,
    loop_region,
    loop_tail_frames,
    make_loop,
    seam_metrics,
)

SR = 48000


def rain(seconds: float, seed: int = 0, channels: int = 2) -> np.ndarray:
    """Stationary rain-like texture: low-passed noise bed plus sparse decaying drops."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    bed = lfilter([0.2], [1.0, -0.8], rng.standard_normal((n, channels)), axis=0)
    drops = np.zeros((n, channels))
    hits = rng.integers(0, n, size=int(40 * seconds))
    drops[hits, rng.integers(0, channels, size=hits.size)] = rng.uniform(0.2, 0.6, hits.size)
    drops = lfilter([1.0], [1.0, -0.95], drops, axis=0)
    return (0.2 * bed + 0.3 * drops).astype(np.float32)


def wrap_jump(loop: np.ndarray) -> float:
    return float(np.abs(loop[0] - loop[-1]).max())


def test_tail_frames_bounds() -> None:
    assert loop_tail_frames(SR, 60.0) == 2 * SR  # capped at 2 s
    assert loop_tail_frames(SR, 4.0) == SR  # 25 %
    assert loop_tail_frames(SR, 0.1) == int(0.05 * SR)  # at least 50 ms
    with pytest.raises(ValueError, match="duration_s"):
        loop_tail_frames(SR, 0.0)


def test_equal_power_law() -> None:
    g_in, g_out = equal_power_gains(1000)
    np.testing.assert_allclose(g_in**2 + g_out**2, 1.0, atol=1e-12)
    assert g_out[0] == 1.0 and g_in[0] == 0.0
    assert np.all(np.diff(g_in) > 0) and np.all(np.diff(g_out) < 0)
    # Half power each at the midpoint.
    assert g_in[500] == pytest.approx(np.sqrt(0.5))


def test_make_loop_applies_equal_power_crossfade() -> None:
    rng = np.random.default_rng(3)
    audio = rng.standard_normal((1200, 2)).astype(np.float32)
    out = make_loop(audio, 1000)
    assert out.shape == (1000, 2) and out.dtype == np.float32
    g_in, g_out = equal_power_gains(200)
    expected = audio[1000:] * g_out[:, None] + audio[:200] * g_in[:, None]
    np.testing.assert_allclose(out[:200], expected, atol=1e-6)
    np.testing.assert_array_equal(out[200:], audio[200:1000])
    # The wrap continues exactly like the original: last frame, then the tail's first frame.
    np.testing.assert_array_equal(out[-1], audio[999])
    np.testing.assert_array_equal(out[0], audio[1000])


def test_make_loop_mono_and_errors() -> None:
    audio = np.linspace(-1, 1, 500, dtype=np.float32)
    assert make_loop(audio, 400).shape == (400,)
    with pytest.raises(ValueError, match="loop_frames"):
        make_loop(audio, 500)
    with pytest.raises(ValueError, match="loop_frames"):
        make_loop(audio, 0)


def test_rain_loop_is_seamless() -> None:
    seconds = 6.0
    loop_frames = int(seconds * SR)
    rendered = rain(seconds + loop_tail_frames(SR, seconds) / SR, seed=7)
    loop = make_loop(rendered, loop_frames)
    m = seam_metrics(loop, SR)
    assert m["rms_ratio"] > 0.9
    assert m["seam_jump"] <= m["max_jump"]  # no larger than jumps around it
    assert m["jump_ratio"] < 4.0
    assert abs(m["seam_correlation"] - m["interior_correlation"]) < 0.1
    # The naive cut (no crossfade) of the same material is what the crossfade fixes.
    naive = seam_metrics(rendered[:loop_frames], SR)
    assert naive["seam_jump"] > m["seam_jump"]


def test_sine_loop_without_click() -> None:
    freq = 441.3  # period does not divide the loop length
    n = SR * 2
    tail = loop_tail_frames(SR, n / SR)
    t = np.arange(n + tail) / SR
    sine = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None]
    naive = seam_metrics(sine[:n], SR)
    assert naive["jump_ratio"] > 5  # the plain cut clicks
    loop = make_loop(sine, n)
    m = seam_metrics(loop, SR)
    step = 2 * np.pi * freq / SR * 0.5  # largest per-sample step of the sine
    assert m["seam_jump"] <= step * 1.01
    assert m["jump_ratio"] < 2.0
    assert m["seam_correlation"] > 0.99
    # Equal power never boosts two signals beyond sqrt(2) of one.
    assert np.abs(loop).max() <= 0.5 * np.sqrt(2) + 1e-6


def test_find_zero_crossing_rising() -> None:
    # Rising zeros half-way between frames 480k and 480k+1: the crossing frame is 480k+1.
    t = (np.arange(4800) - 0.5) / SR
    sine = np.sin(2 * np.pi * 100 * t)
    assert find_zero_crossing(sine, 1000, 100) == 961
    assert find_zero_crossing(sine, 1000, 10) == 1000  # none in reach: unchanged
    stereo = np.stack([sine, sine], axis=1)
    assert find_zero_crossing(stereo, 1500, 100) == 1441
    assert sine[1440] < 0 <= sine[1441]


@pytest.mark.parametrize("start", [0, 24000, 200])
def test_loop_region_wraps_continuously(start: int) -> None:
    audio = rain(4.0, seed=11)
    out, lp = loop_region(audio, start, start + SR * 2, crossfade=4800)
    assert out.shape[0] == lp.end
    assert abs(lp.start - start) <= 2400 and lp.length > SR
    m = seam_metrics(out[lp.start : lp.end], SR)
    assert m["seam_jump"] <= m["max_jump"]
    assert m["rms_ratio"] > 0.7
    if lp.start >= 4800:
        # Pre-roll crossfade: everything up to the loop's tail plays untouched.
        np.testing.assert_array_equal(out[: lp.end - 4800], audio[: lp.end - 4800])


def test_loop_region_whole_buffer_shortens() -> None:
    audio = rain(2.0, seed=2)
    out, lp = loop_region(audio, 0, audio.shape[0], crossfade=4800)
    assert lp.start == 0 and lp.length == audio.shape[0] - 4800
    assert out.shape[0] == lp.end
    assert seam_metrics(out, SR)["seam_jump"] <= seam_metrics(out, SR)["max_jump"]
