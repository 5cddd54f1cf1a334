"""Burning fuel's crackle, shared by the fire recipes: bursting pockets of resin and steam."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes._nature_water import strikes


def crackles(
    rng: np.random.Generator,
    n: int,
    sr: int,
    flare: np.ndarray,
    rate_hz: float,
    cluster: int,
    band: tuple[float, float],
    decay_s: tuple[float, float],
    spread_db: float,
) -> dsp.Audio:
    """Bursting pockets: a Poisson stream thinned by the flare, each seed a cluster of snaps.

    Sizes spread log-normally (`spread_db`): countless tiny ticks, now and then a loud pop.
    """
    seeds = dsp.thin(rng, dsp.poisson_times(rng, rate_hz * 2.0, n, sr), np.clip(flare / 4.0, 0, 1))
    per = rng.integers(1, cluster + 1, seeds.shape[0])
    starts = np.sort(
        np.repeat(seeds, per) + (rng.exponential(0.012, per.sum()) * sr).astype(np.int64)
    )
    starts = starts[starts < n]
    amp = np.exp(rng.normal(0.0, spread_db / 8.7, starts.shape[0]))
    return strikes(rng, n, sr, starts, amp, band, decay_s, 0.15, 0.3)
