"""Helpers for calling one diffusers pipeline on a batch: per-item trims, per-call overrides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


def trim_items(batch: np.ndarray, lengths_s: list[float], sample_rate: int) -> list[np.ndarray]:
    """A pipeline's (batch, channels, frames) output as (frames, channels) clips, each cut to its
    own length (the call renders every item at the longest one's)."""
    return [
        np.ascontiguousarray(item[:, : round(length * sample_rate)].T, dtype=np.float32)
        for item, length in zip(batch, lengths_s, strict=True)
    ]


@contextmanager
def shadowed(pipe: Any, name: str, replacement: Callable[..., Any]) -> Iterator[None]:
    """`pipe.name` replaced on the instance for the length of one call, then restored.

    Used to condition each batch item on its own duration where `__call__` takes one scalar:
    the pipeline's own code path otherwise stays intact.
    """
    pipe.__dict__[name] = replacement
    try:
        yield
    finally:
        pipe.__dict__.pop(name, None)
