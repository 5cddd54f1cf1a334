"""Chains: rattling links, many tiny metallic modal clicks arriving in clusters as it moves.

A moving chain is a swarm of link-on-link collisions whose rate follows the movement (a shake,
a drag, a lift). Each collision rings a small, short-lived metal link: one of a few link
variants (modal impulse responses), overlap-added at the collision and panned with its link.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike_ir

RATE = ParamSpec("rate", 0.5, doc="Movement: 0 a slow drag .. 1 a vigorous shake")
VARIANTS = 3
# Links are small and loosely held: they ring briefly compared with a struck bar.
_LINK = dataclasses.replace(MATERIALS["metal"], t60_s=0.25)


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


def synth(req: SynthRequest) -> np.ndarray:
    """Link collisions thinned by the movement envelope, rung through link variants."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    rate = req.number("rate")
    # The last stretch is kept for the rings to die away.
    move = movement(rng, int(0.85 * n), sr, rate)
    move = np.concatenate([move, np.zeros(n - move.shape[0])])
    clicks_per_s = (60.0 + 400.0 * rate) * (0.6 + 0.8 * intensity)
    times = dsp.thin(rng, dsp.poisson_times(rng, clicks_per_s, n, sr), move)
    amps = move[times] * (rng.pareto(3.0, times.shape[0]) + 0.3)
    variant = rng.integers(0, VARIANTS, times.shape[0])
    # Each link variant sits somewhere along the chain: its clicks share that position.
    gl, gr = dsp.pan_gains(rng.uniform(-0.5, 0.5, VARIANTS))
    link_size = 0.02 + 0.2 * size
    ir_len = int(0.12 * sr)
    out = np.zeros((n, 2), np.float32)
    # Direct overlap-add, one slice per click: a few hundred short adds beat full-length FFTs.
    for v in range(VARIANTS):
        ir = strike_ir(rng, _LINK, link_size * rng.uniform(0.8, 1.2), sr, ir_len)
        rung = np.zeros(n + ir_len, np.float32)
        sel = variant == v
        for at, amp in zip(times[sel], amps[sel], strict=True):
            rung[at : at + ir_len] += np.float32(amp) * ir
        out += rung[:n, None] * np.array([gl[v], gr[v]], np.float32)
    # Links scraping over each other between the clicks.
    scrape = dsp.filt(dsp.bandpass(3000.0, 12000.0, sr), dsp.white(rng, n) * move.astype("f4"))
    out += np.float32(0.1 * dsp.peak_of(out) / (dsp.peak_of(scrape) + 1e-9)) * scrape[:, None]
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
