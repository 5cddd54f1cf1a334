"""Deterministic randomness: every draw comes from a Generator seeded by (scene seed, key)."""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(seed: int, key: str) -> int:
    """A 64-bit seed that depends only on the scene seed and a key such as an event id."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def rng_for(seed: int, key: str) -> np.random.Generator:
    """The Generator for `key` within a scene seeded with `seed`."""
    return np.random.default_rng(derive_seed(seed, key))
