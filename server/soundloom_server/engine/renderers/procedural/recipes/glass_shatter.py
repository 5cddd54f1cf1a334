"""Glass shatter: the pane cracks and bursts, then its shards fall, land, bounce and scatter.

The break is a crack (a broadband snap, sub-millisecond) running into a burst of fractures: a
dense stream of micro-cracks over the first ~100 ms as the pane comes apart. The pane itself
has no time to ring. The pieces fall from where they were in the pane, each landing after
its own free fall (t = (v + sqrt(v^2 + 2gh)) / g), and bounce a few times, each hop lower.
Every shard is a tiny irregular plate: a click of contact and a few high inharmonic modes
that ring for milliseconds (small pieces are high and short). Crumbs and dust skitter under
them, and a room answers.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._weapons import ROOM, in_space, space_ir

GRAVITY = 9.81
MODES = 2  # per shard: small irregular plates have few modes in the audible band


def landings(
    rng: np.random.Generator, count: int, size: float, latest_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time s, level, shard id) of every landing and rebound of `count` falling shards."""
    height = rng.uniform(0.2, 0.6 + 1.2 * size, count)  # where each piece was in the pane
    v0 = rng.normal(0.5, 1.0, count)  # thrown up (+) or down (-) by the blow
    first = 0.03 + (v0 + np.sqrt(v0**2 + 2.0 * GRAVITY * height)) / GRAVITY
    # Impact speed decides the level; small pieces are the quietest.
    speed = np.sqrt(v0**2 + 2.0 * GRAVITY * height)
    level = (speed / speed.max()) * rng.uniform(0.2, 1.0, count) ** 2
    times, gains, ids = [first], [level], [np.arange(count)]
    restitution = rng.uniform(0.15, 0.4, count)
    hop_speed, t, lv = speed, first, level
    for _ in range(3):
        hop_speed = hop_speed * restitution
        t = t + 2.0 * hop_speed / GRAVITY
        lv = lv * restitution * rng.uniform(0.6, 1.0, count)
        times.append(t)
        gains.append(lv)
        ids.append(np.arange(count))
    t, g, i = np.concatenate(times), np.concatenate(gains), np.concatenate(ids)
    keep = (t < latest_s) & (g > 0.005)
    return t[keep], g[keep], i[keep]


def shards(rng: np.random.Generator, n: int, sr: int, count: int, size: float) -> dsp.Audio:
    """Every landing: a contact click plus the shard's own few high modes (vectorised grains)."""
    times, levels, ids = landings(rng, count, size, 0.85 * n / sr)
    # Each piece keeps its modes for all its hops; small pieces ring higher and shorter.
    base = np.exp(rng.uniform(np.log(2500.0), np.log(9000.0), count)) * 2.0 ** (-0.5 * size)
    ratios = np.sort(rng.uniform(1.0, 2.8, (count, MODES)), axis=1)
    ratios[:, 0] = 1.0
    freqs = np.minimum(base[:, None] * ratios, 0.45 * sr)
    tau = rng.uniform(0.0015, 0.008, count) * (0.8 + 0.5 * size)
    pan = rng.uniform(-0.9, 0.9, count)
    grains = dsp.Grains((times * sr).astype(np.int64), (4.0 * tau[ids] * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    # Per-grain mode tables spread in one repeat each: (samples, MODES).
    omega = np.repeat((2.0 * np.pi * freqs[ids]).astype(np.float32), grains.lengths, axis=0)
    phase = rng.uniform(0.0, 2.0 * np.pi, (ids.shape[0], MODES)).astype(np.float32)
    amp = rng.uniform(0.3, 1.0, (ids.shape[0], MODES)).astype(np.float32)
    amp *= levels[:, None].astype(np.float32)
    ring = np.sin(omega * t[:, None] + np.repeat(phase, grains.lengths, axis=0))
    ring = np.einsum("ij,ij->i", ring, np.repeat(amp, grains.lengths, axis=0))
    # The contact: a short noise tick under the ring (glass on a hard floor clicks).
    click = dsp.white(rng, t.shape[0]) * np.exp(-t / np.float32(0.0007))
    ring = (ring + 1.5 * click * grains.per_grain(levels)) * np.exp(-t / grains.per_grain(tau[ids]))
    gl, gr = dsp.pan_gains(pan[ids])
    return grains.scatter(ring.astype(np.float32), gl, gr)


def fracture(rng: np.random.Generator, n: int, sr: int, size: float) -> dsp.Audio:
    """The break: a snap, then a falling-rate burst of micro-cracks as the pane comes apart."""
    m = min(n, int(0.25 * sr))
    t = np.arange(m) / sr
    snap = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0001, 0.004 + 0.004 * size).astype(np.float32)
    snap = dsp.filt(dsp.highpass(1200.0, sr), snap)
    burst_s = 0.05 + 0.08 * size
    rate = (3000.0 + 3000.0 * size) * np.exp(-t / burst_s)
    positions = dsp.thin(rng, np.arange(m)[rng.random(m) < rate.max() / sr], rate / rate.max())
    amps = rng.pareto(2.0, positions.shape[0]) * np.exp(-positions / (burst_s * sr))
    cracks = dsp.filt(
        dsp.cascade(dsp.highpass(1500.0, sr, order=2), dsp.lowpass(14000.0, sr)),
        dsp.impulses(m, positions, amps),
    )
    out = snap / (dsp.peak_of(snap) + 1e-9) + 0.7 * cracks / (dsp.peak_of(cracks) + 1e-9)
    return dsp.widen(out.astype(np.float32), sr, 0.007, 0.7)


def dust(rng: np.random.Generator, n: int, sr: int, hits: dsp.Audio) -> dsp.Audio:
    """Crumbs skittering where the shards land: fine high grains following their density."""
    k = dsp.low_rate_factor(sr, 500)
    if n < 2 * k:
        return np.zeros((n, 2), np.float32)
    energy = np.abs(hits).sum(axis=1)
    density = energy[: n // k * k].reshape(-1, k).mean(axis=1)
    density = np.convolve(density, np.ones(40) / 40, "same")  # ~80 ms of skitter per landing
    density = dsp.upsample(density / (density.max() + 1e-12), k, n)
    grit = dsp.white(rng, n) * (rng.random(n) < 0.05) * density
    grit = dsp.filt(dsp.bandpass(4000.0, 14000.0, sr), grit)
    return dsp.widen(grit.astype(np.float32), sr, 0.011, 0.9)


def synth(req: SynthRequest) -> np.ndarray:
    """Fracture at the start, the shards' landings and bounces, dust, and the room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    out = np.zeros((n, 2), np.float32)
    dsp.place(out, fracture(rng, n, sr, size), int(0.005 * sr))
    count = int((40 + 90 * intensity) * (0.6 + 0.8 * size))
    pieces = shards(rng, n, sr, count, size)
    pieces *= np.float32(0.6 / (dsp.peak_of(pieces) + 1e-9))
    out += pieces
    crumbs = dust(rng, n, sr, pieces)
    out += crumbs * np.float32(0.12 / (dsp.peak_of(crumbs) + 1e-9))
    ir = space_ir(rng, ROOM, sr, n, t60_scale=rng.uniform(0.8, 1.3))
    out = in_space(out, ir * np.float32(0.8 * (1.0 + 1.5 * distance)))
    # Glass has little below 1 kHz.
    out = dsp.filt(dsp.highpass(600.0, sr), out, axis=0)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="glass_shatter",
    family="impacts",
    kind=EventKind.SFX,
    description="Glass shattering: a sharp crack, then a shower of shards tinkling and bouncing.",
    tags=(
        "glass shatter", "glass shattering", "shatter", "shattering", "shattered", "smash",
        "smashing", "breaking glass", "glass breaking", "glass breaks", "broken glass",
        "window breaks", "window smash", "smashed window", "bottle smash", "bottle breaks",
        "shards", "glass shards", "tinkle of glass",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.0,
)  # fmt: skip
