"""Fire: Farnell's model, lapping flames + a flickering roar + a flaring hiss + crackle.

Flare-ups come every few seconds (a sub-hertz curve: fresh fuel catching, a log settling) and
drive everything: the roar of turbulent combustion swells, the hiss of escaping gas rises, and
the wood crackles most. Crackle is resin and steam pockets bursting: a dense fine crackle of
tiny sharp ticks with log-normal sizes, and fewer, louder pops in clusters.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._fire import crackles

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
    """Lapping + roar (low rate, one noise per ear) + hiss (widened) + fine crackle and pops."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, size, distance = req.number("intensity"), req.number("size"), req.number("distance")

    # Flare-ups every few seconds (fresh fuel catching, a log settling) under a faster flicker.
    flare = np.clip(
        1.0 + 0.35 * dsp.drift(rng, n, sr, 0.3) + 0.15 * dsp.slow_noise(rng, n, sr, 2.0), 0.3, None
    )
    flare *= flare

    k = dsp.low_rate_factor(sr, 3000)
    m = n // k + 2
    lap_l = dsp.upsample(_lapping(rng, m, sr // k, size), k, n)
    lap_r = dsp.upsample(_lapping(rng, m, sr // k, size), k, n)

    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    # Roar: turbulent combustion in the flame sheets, a broad 150-1500 Hz rush that flickers
    # at the flames' ~10 Hz puffing rate and swells with the flare.
    puff = np.clip(1.0 + 0.5 * dsp.slow_noise(rng, n, sr, 10.0), 0.1, None)
    roar = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(150.0, 1500.0 - 500.0 * size, sr), air),
        dsp.white(rng, n),
    )
    roar *= puff * np.sqrt(flare) * np.float32(0.5 + 0.5 * size)
    # Hiss: gas and steam jetting from the wood, level following the flare-ups.
    hiss = dsp.filt(dsp.cascade(dsp.highpass(2000.0, sr, order=2), air), dsp.white(rng, n))
    hiss *= flare * np.float32(0.08 + 0.08 * intensity)
    body = roar / np.float32(dsp.rms_of(roar) + 1e-9) + hiss / np.float32(dsp.rms_of(roar) + 1e-9)
    out = dsp.widen(body * np.float32(0.1), sr, delay_s=0.009)
    lap_gain = np.float32(0.12 + 0.25 * size)
    out[:, 0] += lap_l * lap_gain
    out[:, 1] += lap_r * lap_gain

    # Crackle: resin pockets and steam bursting in the wood. Fine crackle is dozens of tiny
    # sharp ticks a second; pops are fewer, louder and ring the charred wood a little longer.
    rate = (_CRACKLE_HZ + 40.0 * intensity**1.5) * (0.6 + 0.8 * size)
    scale = 1.0 - 0.3 * size
    fine = crackles(
        rng, n, sr, flare, 3.0 * rate, 3, (2500.0 * scale, 12000.0 * scale), (0.0002, 0.0015), 6.0
    )
    pops = crackles(
        rng, n, sr, flare, rate / 8.0, 5, (900.0 * scale, 6000.0 * scale), (0.0008, 0.005), 5.0
    )
    snaps = fine + pops * np.float32(1.5 * dsp.rms_of(fine) / (dsp.rms_of(pops) + 1e-12))
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
    description="Fire: lapping low flames, a flickering roar, a flaring hiss and crackling wood.",
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
