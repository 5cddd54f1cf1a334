"""Particle strikes (rain, hail, fire, pebbles) are synthesised a block of strikes at a time."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from soundloom_server.engine.renderers.procedural.recipes import _nature_water as water


def roof_strikes(seed: int = 3, seconds: float = 20.0) -> np.ndarray:
    """20 s of tin-roof drops (~7,500 strikes, the densest of the recipes' strike layers)."""
    sr = 48000
    n = int(seconds * sr)
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.integers(0, n, 7500))
    amps = rng.lognormal(0.0, 0.45, starts.shape[0])
    return water.strikes(rng, n, sr, starts, amps, (1500, 9000), (0.002, 0.010), 0.35, 0.8)


def test_strikes_in_blocks_are_the_same_to_the_bit_and_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracemalloc.start()
    blocked = roof_strikes()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # All 7,500 grain grids at once held ~0.4 GB; 20 s of stereo output is 7.7 MB.
    assert peak < 120 * 2**20, peak
    monkeypatch.setattr(water, "STRIKES_PER_BLOCK", 10**9)
    assert np.array_equal(blocked, roof_strikes())
    monkeypatch.setattr(water, "STRIKES_PER_BLOCK", 7)
    assert np.array_equal(blocked, roof_strikes())
