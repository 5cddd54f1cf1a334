"""Fire: Farnell's model, lapping flames + a modulated hiss + crackles triggered by slow noise."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _lapping(rng: np.random.Generator, m: int, sr: int, size: float) -> np.ndarray:
    """Band-passed noise around 30 Hz, clipped and high-passed: the flames' low flutter."""
    flutter = dsp.filt(dsp.resonator(30.0 - 12.0 * size, 2.0, sr), dsp.white(rng, m))
    flutter = np.tanh(flutter * np.float32(6.0))  # clipping gives the lapping its ragged edges
    body = dsp.cascade(dsp.highpass(25.0, sr), dsp.lowpass(500.0 - 250.0 * size, sr, order=2))
    return dsp.filt(body, flutter)


def synth(req: SynthRequest) -> np.ndarray:
    """Lapping (low rate, one noise per ear) + hiss (full rate, widened) + panned crackles."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, size, distance = req.number("intensity"), req.number("size"), req.number("distance")

    k = dsp.low_rate_factor(sr, 3000)
    m = n // k + 2
    lap_l = dsp.upsample(_lapping(rng, m, sr // k, size), k, n)
    lap_r = dsp.upsample(_lapping(rng, m, sr // k, size), k, n)

    # Hiss: high-passed noise whose level follows a slow noise raised to a power (flare-ups).
    flare = np.clip(1.0 + 0.6 * dsp.slow_noise(rng, n, sr, 0.7), 0.05, None)
    flare *= flare
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    hiss = dsp.filt(dsp.cascade(dsp.highpass(1800.0, sr, order=2), air), dsp.white(rng, n))
    hiss *= flare * np.float32(0.06 + 0.05 * intensity)
    out = dsp.widen(hiss, sr, delay_s=0.009)
    lap_gain = np.float32(0.12 + 0.25 * size)
    out[:, 0] += lap_l * lap_gain
    out[:, 1] += lap_r * lap_gain

    # Crackles: clusters of tiny snaps (resin pockets bursting), more of them when flaring.
    rate = (1.5 + 14.0 * intensity**1.5) * (0.6 + 0.8 * size)
    seeds = dsp.thin(rng, dsp.poisson_times(rng, rate * 2.0, n, sr), np.clip(flare / 4.0, 0.0, 1.0))
    per = rng.integers(1, 6, seeds.shape[0])
    starts = np.repeat(seeds, per) + (rng.exponential(0.012, per.sum()) * sr).astype(np.int64)
    count = starts.shape[0]
    freq = rng.uniform(1500.0, 7000.0, count) * (1.0 - 0.3 * size)
    decay = rng.uniform(0.0008, 0.004, count) * (1.0 + size)
    grains = dsp.Grains(starts, (decay * 6.0 * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    # A snap is a click plus a brief resonance: noise and a damped sine under one fast decay.
    env = np.exp(-t / grains.per_grain(decay))
    tone = np.sin(np.float32(2.0 * np.pi) * grains.per_grain(freq) * t)
    values = env * (tone + 0.8 * dsp.white(rng, t.shape[0]))
    amp = np.minimum(rng.pareto(3.0, count) + 0.3, 2.5) * (0.25 + 0.15 * intensity)
    amp *= dsp.db(-14.0 * distance)
    gl, gr = dsp.pan_gains(rng.uniform(-0.6, 0.6, count))
    grains.scatter(values, amp * gl, amp * gr, out=out)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="fire",
    family="fire",
    kind=EventKind.AMBIENCE,
    description="Fire: lapping low flames, a flaring hiss and crackling snaps of burning wood.",
    tags=(
        "fire",
        "fires",
        "campfire",
        "camp fire",
        "bonfire",
        "fireplace",
        "hearth",
        "flames",
        "flame",
        "burning",
        "burn",
        "crackling",
        "crackle",
        "crackling fire",
        "blaze",
        "blazing",
        "torch",
        "embers",
        "wood fire",
        "log fire",
        "brazier",
        "furnace",
        "inferno",
        "wildfire",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.SIZE, dsp.DISTANCE),
    typical_duration_s=30.0,
)
