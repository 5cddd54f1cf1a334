"""Glass shatter: a pane cracks, then a shower of small shards tinkles as they fall and bounce."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike


def _shard_hits(
    rng: np.random.Generator, count: int, span: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time s, level, shard id) of every landing and rebound; most shards land early."""
    first = 0.02 + span * rng.beta(1.3, 3.0, count)
    levels = rng.uniform(0.3, 1.0, count) ** 2
    times, gains, ids = [first], [levels], [np.arange(count)]
    gap, level = rng.uniform(0.04, 0.14, count), levels
    for _ in range(2):  # each shard rebounds, losing height and energy at every hop
        bounce = rng.random(count) < 0.6
        gap = gap * rng.uniform(0.4, 0.7, count)
        level = level * rng.uniform(0.25, 0.5, count)
        times.append(times[-1] + gap)
        gains.append(np.where(bounce, level, 0.0))
        ids.append(np.arange(count))
    t, g, i = np.concatenate(times), np.concatenate(gains), np.concatenate(ids)
    keep = g > 0
    return t[keep], g[keep], i[keep]


def _shards(
    rng: np.random.Generator, n: int, sr: int, count: int, span: float, size: float
) -> dsp.Audio:
    """Tiny glass pieces: two high modes each, one short ring per landing (vectorised grains)."""
    times, levels, ids = _shard_hits(rng, count, span)
    # Small pieces ring high and briefly; each piece keeps its own modes for all its hops.
    f1 = np.exp(rng.uniform(np.log(3000.0), np.log(10000.0), count)) * 2.0 ** (-0.5 * size)
    f2 = f1 * rng.uniform(1.5, 2.4, count)
    tau = rng.uniform(0.004, 0.02, count) * (0.8 + 0.5 * size)
    pan = rng.uniform(-0.8, 0.8, count)
    starts = (times * sr).astype(np.int64)
    grains = dsp.Grains(starts, (4.0 * tau[ids] * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    w1 = grains.per_grain(2.0 * np.pi * f1[ids])
    w2 = grains.per_grain(2.0 * np.pi * np.minimum(f2[ids], 0.45 * sr))
    decay = np.exp(-t / grains.per_grain(tau[ids]))
    ring = decay * (np.sin(w1 * t) + np.float32(0.5) * np.sin(w2 * t + np.float32(1.0)))
    ring *= grains.per_grain(levels)
    gl, gr = dsp.pan_gains(pan[ids])
    out = np.empty((n, 2), np.float32)
    out[:, 0] = np.bincount(grains.position, ring * grains.per_grain(gl), minlength=n)[:n]
    out[:, 1] = np.bincount(grains.position, ring * grains.per_grain(gr), minlength=n)[:n]
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """A bright crack on the pane, a snap of broadband noise, then the shard shower."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    span = min(1.1, 0.55 * n / sr)  # shards must land (and stop) within the event
    out = np.zeros((n, 2), np.float32)

    crack_len = min(n, int(0.9 * sr))
    crack = strike(rng, MATERIALS["glass"], 0.2 + 0.3 * size, 0.95, sr, crack_len)
    snap_len = min(n, int(0.05 * sr))
    snap = dsp.white(rng, snap_len) * dsp.envelope_ad(
        np.arange(snap_len) / sr, 0.0002, 0.006 + 0.006 * size
    ).astype(np.float32)
    snap = dsp.filt(dsp.highpass(2500.0, sr), snap)
    dsp.place(out, crack * np.float32(0.55 / (dsp.peak_of(crack) + 1e-9)), int(0.005 * sr))
    dsp.place(out, snap * np.float32(1.0 / (dsp.peak_of(snap) + 1e-9)), int(0.005 * sr))

    count = int((25 + 70 * intensity) * (0.6 + 0.8 * size))
    shards = _shards(rng, n, sr, count, span, size)
    out += shards * np.float32(0.7 / (dsp.peak_of(shards) + 1e-9))
    # Glass has little below 1.5 kHz: keep the crack's lowest mode from booming.
    out = dsp.filt(dsp.highpass(1200.0, sr), out, axis=0)
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
