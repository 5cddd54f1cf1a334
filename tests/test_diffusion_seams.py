"""Joining an inpainted continuation to what came before: no step at the seam (no torch needed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from soundloom_server.engine.renderers.diffusion.continuation import continue_with

RATE = 8000


def _model(ratio: int) -> SimpleNamespace:
    return SimpleNamespace(
        sample_rate=RATE, pipe=SimpleNamespace(vae=SimpleNamespace(downsampling_ratio=ratio))
    )


def _tone(start: int, frames: int) -> np.ndarray:
    t = (np.arange(frames) + start) / RATE
    return np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1).astype(np.float32) * 0.5


def test_the_seam_is_as_smooth_as_the_signal_even_when_the_context_is_remade_imperfectly() -> None:
    known = RATE // 2  # the segment's first 0.5 s re-make the tail of `before`
    before = _tone(0, 2 * RATE)
    segment = _tone(2 * RATE - known, 2 * RATE)
    # A model re-makes the context close to, not exactly as, it was (a level and offset error),
    # and its new material goes on from its own re-make.
    segment = segment * 0.9 + 0.05
    joined = continue_with(_model(32), before, segment, known)
    assert joined.shape == (before.shape[0] - known + segment.shape[0], 2)
    steps = np.abs(np.diff(joined[:, 0]))
    typical = np.abs(np.diff(before[:, 0])).max()
    assert steps.max() <= 1.05 * typical, "a hard cut would jump by the 0.05 offset"
    # Away from the seam the new material is untouched and the old one kept.
    assert np.array_equal(joined[:RATE], before[:RATE])
    assert np.array_equal(joined[-RATE:], segment[-RATE:])
