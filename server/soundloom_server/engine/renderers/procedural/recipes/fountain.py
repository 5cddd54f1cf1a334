"""Fountain: water falling steadily into a basin, a dense splash stream with a watery mid."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles


def synth(req: SynthRequest) -> np.ndarray:
    """Thousands of tiny splats per second through water resonances, bubbles and a low plunge."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")

    # A fountain is steady: the flow only breathes a little (wind on the jet, pump surges).
    steady = np.clip(1.0 + 0.08 * dsp.slow_noise(rng, n, sr, 0.3), 0.7, 1.3)
    rate = (1500.0 + 4000.0 * intensity) * (0.6 + 0.8 * size)
    hits = dsp.poisson_times(rng, rate, n, sr)
    amps = np.minimum(rng.pareto(3.0, hits.shape[0]) + 0.2, 3.0)

    # Splats: noise under short exponential envelopes (envelopes built at 6 kHz, interpolated).
    k = dsp.low_rate_factor(sr, 6000)
    r = np.exp(-k / (0.004 * sr))
    env = dsp.filt(np.array([[1.0, 0, 0, 1.0, -r, 0]]), dsp.impulses(n // k + 2, hits // k, amps))
    noise = dsp.white(rng, n)
    excite = noise * dsp.upsample(env, k, n)
    excite *= steady.astype(np.float32)
    # Under the splats the basin sounds as continuous roar (falling sheets of water).
    excite += dsp.white(rng, n) * np.float32(0.35 * dsp.rms_of(excite))

    mid = 700.0 + 500.0 * (1.0 - size)  # the basin's watery resonance: lower for a big basin
    shape = dsp.cascade(
        dsp.highpass(150.0, sr),
        dsp.peak(mid * rng.uniform(0.9, 1.1), 1.2, 9.0, sr),
        dsp.peak(2.6 * mid * rng.uniform(0.9, 1.1), 2.0, 4.0, sr),
        dsp.lowpass(min(9000.0, dsp.distance_cutoff(distance)), sr),
    )
    wet = dsp.filt(shape, excite)

    # Bubbles entrained where the jet lands: sparse chirps under 2.5 kHz, so rendered at 12 kHz.
    kb = dsp.low_rate_factor(sr, 12000)
    count = rng.poisson((20.0 + 30.0 * intensity) * n / sr)
    freqs = np.exp(rng.uniform(np.log(600.0), np.log(2500.0), count))
    bub = bubbles(
        np.zeros(n // kb + 2, np.float32),
        rng.integers(0, n // kb + 1, count),
        freqs * (1.0 - 0.4 * distance),  # far: only the larger, lower bubbles carry
        rng.uniform(0.2, 1.0, count),
        None,
        sr // kb,
    )
    wet += dsp.upsample(bub, kb, n) * np.float32(0.5 * dsp.rms_of(wet) / (dsp.rms_of(bub) + 1e-12))
    out = dsp.widen(wet, sr, delay_s=0.007)

    # The plunge: low thump of the falling column into the basin, each ear its own noise.
    kl = dsp.low_rate_factor(sr, 2000)
    ml = n // kl + 2
    plunge_shape = dsp.cascade(dsp.bandpass(50.0, 220.0, sr // kl), dsp.brown_sos(sr // kl, 80.0))
    plunge = dsp.filt(plunge_shape, dsp.white(rng, 2 * ml).reshape(2, ml), axis=1)
    plunge *= np.float32((0.25 + 0.3 * size) * dsp.rms_of(out) / (dsp.rms_of(plunge) + 1e-12))
    out += dsp.upsample_stereo(plunge, kl, n)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="fountain",
    family="water",
    kind=EventKind.AMBIENCE,
    description="Fountain: water falling steadily into a basin, a dense stream of splashes.",
    tags=(
        "fountain",
        "fountains",
        "water fountain",
        "garden fountain",
        "courtyard fountain",
        "splashing fountain",
        "ornamental fountain",
        "water feature",
        "basin",
        "falling water",
        "water falling",
        "cascade",
        "spout",
        "water spout",
        "jet of water",
        "spray",
        "water jet",
        "sprinkler",
        "shower running",
        "splashing water",
        "weir",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=30.0,
)
