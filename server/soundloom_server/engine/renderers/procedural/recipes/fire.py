"""Fire: Farnell's model, lapping flames + a flaring hiss + crackle as random short noise bursts."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import strikes

_CRACKLE_HZ = 10.0  # crackle clusters a second from a quiet fire
_CRACKLE_LEVEL = 1.0  # crackle RMS against lapping + hiss
_KNEE = 6.0  # soft-clip knee of the crackle over its own RMS


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
    flare = np.clip(1.0 + 0.35 * dsp.slow_noise(rng, n, sr, 0.7), 0.3, None)
    flare *= flare
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    hiss = dsp.filt(dsp.cascade(dsp.highpass(1800.0, sr, order=2), air), dsp.white(rng, n))
    hiss *= flare * np.float32(0.06 + 0.05 * intensity)
    out = dsp.widen(hiss, sr, delay_s=0.009)
    lap_gain = np.float32(0.12 + 0.25 * size)
    out[:, 0] += lap_l * lap_gain
    out[:, 1] += lap_r * lap_gain

    # Crackles: resin pockets and steam bursting in the wood, 1-30 ms bursts of band-passed
    # noise in clusters (one pocket splits the grain around it), more of them when flaring.
    rate = (_CRACKLE_HZ + 40.0 * intensity**1.5) * (0.6 + 0.8 * size)
    seeds = dsp.thin(rng, dsp.poisson_times(rng, rate * 2.0, n, sr), np.clip(flare / 4.0, 0.0, 1.0))
    per = rng.integers(1, 7, seeds.shape[0])
    starts = np.sort(
        np.repeat(seeds, per) + (rng.exponential(0.015, per.sum()) * sr).astype(np.int64)
    )
    starts = starts[starts < n]
    amp = np.minimum(rng.pareto(3.0, starts.shape[0]) + 0.3, 1.0)
    band = (1200.0 * (1.0 - 0.3 * size), 9000.0 * (1.0 - 0.3 * size))
    snaps = strikes(rng, n, sr, starts, amp, band, (0.0005, 0.006), 0.15, 0.2)
    # A snap this small has no body; far away its highs and then itself are lost.
    snaps = dsp.filt(dsp.cascade(dsp.highpass(300.0, sr), air), snaps, axis=0)
    # Soft-clip the rare pile-up of pops: otherwise they alone would set the level of the bed.
    knee = np.float32(_KNEE * dsp.rms_of(snaps) + 1e-12)
    snaps = np.tanh(snaps / knee) * knee
    level = _CRACKLE_LEVEL * dsp.db(-14.0 * distance) * dsp.rms_of(out)
    out += snaps * np.float32(level / (dsp.rms_of(snaps) + 1e-12))
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
