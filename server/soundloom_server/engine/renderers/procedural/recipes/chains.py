"""Chains: a swarm of link-on-link collisions, clustered into cascades as the chain moves.

Cook's PhISEM: a moving chain is a set of loose particles (the links) whose collisions come as
often as the chain has energy. A jerk runs down the chain as a cascade, dozens of collisions
within tens of ms; between jerks the chain settles. Each collision rings one small steel link,
a torus whose few modes sit at 1-4 kHz (lower for heavy links) and which the links touching
it damp within tens of milliseconds; each link type rings slightly differently at every
contact point. Under the clinks, the links scrape over each other.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._weapons import ROOM, in_space, space_ir

RATE = ParamSpec("rate", 0.5, doc="Movement: 0 a slow drag .. 1 a vigorous shake")
LINKS = 48  # link types: links are alike but not identical (few types ring as a bell)
MODES = 3  # per link in the audible band


def movement(rng: np.random.Generator, n: int, sr: int, rate: float) -> np.ndarray:
    """How hard the chain moves over time: one to four jerks or shakes, each a swell."""
    # Built at a 1 kHz control rate: the swells are slow.
    k = dsp.low_rate_factor(sr, 1000)
    t = np.arange(n // k + 2) * (k / sr)
    span = n / sr
    env = np.zeros(t.shape[0])
    count = int(rng.integers(1, 3 + round(2 * rate)))
    for at in np.sort(rng.uniform(0.0, 0.6 * span, count)):
        length = rng.uniform(0.2, 0.5) * span / count**0.5
        x = np.clip((t - at) / length, 0.0, 1.0)
        env = np.maximum(env, rng.uniform(0.5, 1.0) * np.sin(np.pi * x) ** 1.5)
    return dsp.upsample(env, k, n)


def collisions(
    rng: np.random.Generator, move: np.ndarray, sr: int, rate: float, intensity: float
) -> tuple[np.ndarray, np.ndarray]:
    """(frame, level) of every collision: cascades seeded where the chain moves, decaying."""
    n = move.shape[0]
    cascades_per_s = (8.0 + 30.0 * rate) * (0.6 + 0.8 * intensity)
    seeds = dsp.thin(rng, dsp.poisson_times(rng, cascades_per_s, n, sr), move)
    size = rng.poisson(6.0 + 14.0 * move[seeds])  # collisions per cascade
    starts = np.repeat(seeds, size)
    # Within a cascade the collisions follow each other ever more sparsely (energy spent).
    offsets = (rng.exponential(0.012, starts.shape[0]) * sr).astype(np.int64)
    times = starts + offsets
    keep = times < n
    times, starts = times[keep], starts[keep]
    level = (
        move[starts] * np.exp(-(times - starts) / (0.02 * sr)) * (rng.pareto(3.0, times.size) + 0.3)
    )
    return times, level


def clinks(
    rng: np.random.Generator, n: int, sr: int, times: np.ndarray, level: np.ndarray, size: float
) -> dsp.Audio:
    """Each collision rings one link's modes briefly, jittered by its contact point."""
    base = np.exp(rng.uniform(np.log(1200.0), np.log(3500.0), LINKS)) * 2.0 ** (-1.5 * (size - 0.5))
    ratios = np.concatenate(
        [np.ones((LINKS, 1)), np.sort(rng.uniform(1.5, 3.4, (LINKS, MODES - 1)), axis=1)], axis=1
    )
    link = rng.integers(0, LINKS, times.shape[0])
    jitter = rng.uniform(0.92, 1.08, (times.shape[0], MODES))
    freqs = np.minimum(base[link, None] * ratios[link] * jitter, 0.45 * sr)
    tau = rng.uniform(0.006, 0.022, times.shape[0]) * (0.7 + 0.6 * size)
    grains = dsp.Grains(times, (4.0 * tau * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    omega = np.repeat((2.0 * np.pi * freqs).astype(np.float32), grains.lengths, axis=0)
    amp = (rng.uniform(0.3, 1.0, (times.shape[0], MODES)) * level[:, None]).astype(np.float32)
    ring = np.einsum("ij,ij->i", np.sin(omega * t[:, None]), np.repeat(amp, grains.lengths, axis=0))
    # The contact itself: a tick of steel on steel.
    tick = dsp.white(rng, t.shape[0]) * np.exp(-t / np.float32(0.0004)) * grains.per_grain(level)
    ring = (ring + 0.8 * tick) * np.exp(-t / grains.per_grain(tau))
    # Links hang along the chain: each type sits somewhere across the stereo field.
    gl, gr = dsp.pan_gains(rng.uniform(-0.6, 0.6, LINKS)[link])
    return grains.scatter(ring.astype(np.float32), gl, gr)


def synth(req: SynthRequest) -> np.ndarray:
    """Movement swells seed collision cascades; links clink, scrape, and a room answers."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    rate = req.number("rate")
    # The last stretch is kept for the rings to die away.
    move = movement(rng, int(0.85 * n), sr, rate)
    move = np.concatenate([move, np.zeros(n - move.shape[0])])
    times, level = collisions(rng, move, sr, rate, intensity)
    out = clinks(rng, n, sr, times, level, size)
    # Links scraping over each other between the clicks.
    scrape = dsp.filt(dsp.bandpass(2500.0, 10000.0, sr), dsp.white(rng, n) * move.astype("f4"))
    out += np.float32(0.06 * dsp.peak_of(out) / (dsp.peak_of(scrape) + 1e-9)) * scrape[:, None]
    out = in_space(out, space_ir(rng, ROOM, sr, n) * np.float32(0.6 * (1.0 + 1.5 * distance)))
    return dsp.finish_one_shot(out, sr, intensity, distance)


RECIPE = Recipe(
    name="chains",
    family="foley",
    kind=EventKind.SFX,
    description="Chains rattling: metal links clinking and jangling, shaken or dragged.",
    tags=(
        "chain", "chains", "rattling chains", "chain rattle", "rattle", "rattling", "clinking",
        "clink", "jangle", "jangling", "shackles", "manacles", "chained", "dragging chains",
        "chain link", "keys jingling", "jingle", "keyring",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, RATE),
    typical_duration_s=2.0,
)  # fmt: skip
