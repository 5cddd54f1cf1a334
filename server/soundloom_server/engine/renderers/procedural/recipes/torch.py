"""Torch: a hand torch or sconce, a fluttering low roar with a soft hiss and rare small pops."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def synth(req: SynthRequest) -> np.ndarray:
    """Roar (low rate, flicker-modulated, one noise per ear) + hiss + sparse pitch pops."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")

    # Flicker: a flame tongue flaps at several Hz; a torch's one flame keeps it steady-ish.
    k = dsp.low_rate_factor(sr, 4000)
    low_sr, m = sr // k, n // k + 2
    flicker = 1.0 + 0.45 * dsp.slow_noise(rng, m, low_sr, 7.0, control_rate=100)
    flicker += 0.15 * dsp.slow_noise(rng, m, low_sr, 0.3, control_rate=50)  # draughts
    flicker = np.clip(flicker, 0.15, None).astype(np.float32)
    roar_shape = dsp.cascade(
        dsp.highpass(60.0, low_sr),
        dsp.lowpass(550.0 + 250.0 * intensity, low_sr, order=2),
        dsp.peak(180.0, 1.0, 4.0, low_sr),  # the combustion "body"
    )
    roar = dsp.filt(roar_shape, dsp.white(rng, 2 * m).reshape(2, m) * flicker, axis=1)
    roar *= np.float32(1.0 / (dsp.rms_of(roar) + 1e-12))
    out = dsp.upsample_stereo(roar, k, n)

    # Hiss: the fuel (pitch, oil) vaporising, following the flicker, well under the roar.
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    hiss = dsp.filt(dsp.cascade(dsp.highpass(2000.0, sr), air), dsp.white(rng, n))
    hiss *= dsp.upsample(flicker, k, n) * np.float32(0.12 + 0.08 * intensity)
    out += dsp.widen(hiss, sr, delay_s=0.005)

    # Pops: rare, small, bright (a drop of resin or fat): a click and a short ring each.
    count = rng.poisson((0.2 + 1.2 * intensity) * n / sr)
    starts = rng.integers(0, max(n, 1), count)
    decay = rng.uniform(0.001, 0.004, count)
    grains = dsp.Grains(starts, (decay * 6.0 * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    tone = np.sin(np.float32(2.0 * np.pi) * grains.per_grain(rng.uniform(1500, 5000, count)) * t)
    values = np.exp(-t / grains.per_grain(decay)) * (tone + 0.7 * dsp.white(rng, t.shape[0]))
    amp = rng.uniform(0.6, 2.0, count) * dsp.db(-14.0 * distance)
    gl, gr = dsp.pan_gains(rng.uniform(-0.3, 0.3, count))
    grains.scatter(values, amp * gl, amp * gr, out=out)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="torch",
    family="fire",
    kind=EventKind.AMBIENCE,
    description="Torch: a single burning torch or sconce, a fluttering roar with soft pops.",
    tags=(
        "torch",
        "torches",
        "burning torch",
        "lit torch",
        "flaming torch",
        "wall torch",
        "torchlight",
        "torchlit",
        "sconce",
        "wall sconce",
        "flambeau",
        "firebrand",
        "brand",
        "fire torch",
        "tiki torch",
        "lantern flame",
        "oil lamp",
        "flickering flame",
        "flickering",
        "flutter of flame",
        "sputtering",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
