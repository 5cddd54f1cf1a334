"""Segmentation for streaming: exact cover, event-boundary snapping, quiet cuts, minimum length."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.segment import segment_bounds

SR = 1000  # a low rate keeps the arithmetic readable


def assert_exact_cover(bounds: list[tuple[int, int]], total: int) -> None:
    assert bounds[0][0] == 0 and bounds[-1][1] == total
    for (_, end), (start, _) in itertools.pairwise(bounds):
        assert end == start
    assert all(end > start for start, end in bounds)


@pytest.mark.parametrize("total", [1, 999, 10_000, 10_249, 10_251, 12_345, 60_000])
def test_covers_exactly_with_min_length(total: int) -> None:
    bounds = segment_bounds(total, SR, 2.0)
    assert_exact_cover(bounds, total)
    if len(bounds) > 1:
        assert all(end - start >= 500 for start, end in bounds)  # 25 % of 2 s
        assert all(end - start <= 2500 for start, end in bounds)  # at most +25 %


def test_nominal_cuts_and_merged_remainder() -> None:
    assert segment_bounds(10_000, SR, 2.0) == [(i, i + 2000) for i in range(0, 10_000, 2000)]
    # A 300-frame remainder (< 25 %) joins the last segment instead of standing alone.
    bounds = segment_bounds(10_300, SR, 2.0)
    assert bounds[-1] == (8000, 10_300) and len(bounds) == 5
    # A 600-frame remainder is long enough to be its own segment.
    assert segment_bounds(10_600, SR, 2.0)[-1] == (10_000, 10_600)


def test_single_segment_cases() -> None:
    assert segment_bounds(5000, SR, 0.0) == [(0, 5000)]
    assert segment_bounds(5000, SR, -1.0) == [(0, 5000)]
    assert segment_bounds(5000, SR, 10.0) == [(0, 5000)]
    assert segment_bounds(0, SR, 2.0) == []


def test_snaps_to_event_boundaries_when_near() -> None:
    # 2300 and 4100 are within ±500 of the nominal cuts (2000, 4300); 7000 is an event but the
    # cut near 6100 has no event within reach, so it stays nominal.
    bounds = segment_bounds(9000, SR, 2.0, boundaries=[2300, 4100, 7000, 0, 9000])
    assert [end for _, end in bounds[:-1]] == [2300, 4100, 6100, 8100]
    assert_exact_cover(bounds, 9000)
    # Of several candidates, the one nearest the nominal cut wins.
    assert segment_bounds(4000, SR, 2.0, boundaries=[1600, 2100, 2450])[0] == (0, 2100)


def test_event_boundary_does_not_leave_a_sliver() -> None:
    # 4400 is within +25 % of the cut at 4000 but would leave 100 frames: not taken.
    bounds = segment_bounds(4500, SR, 2.0, boundaries=[4400])
    assert_exact_cover(bounds, 4500)
    assert all(end - start >= 500 for start, end in bounds)


def test_quietest_point_when_no_event() -> None:
    rng = np.random.default_rng(0)
    total = 6000
    t = np.arange(total)
    audio = (0.5 * np.sin(2 * np.pi * 50 * t / SR + 0.3))[:, None] * np.ones((1, 2))
    audio += 0.01 * rng.standard_normal((total, 2))
    audio[2330:2370] *= 0.001  # a near-silent gap 330 frames after the nominal cut
    bounds = segment_bounds(total, SR, 2.0, audio=audio.astype(np.float32))
    assert_exact_cover(bounds, total)
    first_cut = bounds[0][1]
    assert 2330 <= first_cut < 2370
    # An event boundary beats the quiet point.
    bounds = segment_bounds(total, SR, 2.0, boundaries=[1800], audio=audio)
    assert bounds[0] == (0, 1800)


def test_quiet_cut_snaps_to_zero_crossing() -> None:
    sr = 48000
    total = sr * 3
    t = np.arange(total) / sr
    env = np.ones(total)
    quiet = slice(int(1.1 * sr), int(1.2 * sr))
    env[quiet] = 0.05
    audio = (env * np.sin(2 * np.pi * 200 * t + 0.1))[:, None].astype(np.float32)
    bounds = segment_bounds(total, sr, 1.0, audio=audio)
    assert_exact_cover(bounds, total)
    cut = bounds[0][1]
    assert quiet.start <= cut < quiet.stop
    assert audio[cut - 1, 0] < 0 <= audio[cut, 0]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgument) as e:
        segment_bounds(100, SR, 1.0, audio=np.zeros((99, 2)))
    assert e.value.field == "audio"
    with pytest.raises(InvalidArgument) as e:
        segment_bounds(-1, SR, 1.0)
    assert e.value.field == "total_frames"
