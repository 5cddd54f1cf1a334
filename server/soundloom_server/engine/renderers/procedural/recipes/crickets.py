"""Crickets: a few individuals, each chirping pulsed tones near 4-5 kHz at its own rate."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def synth(req: SynthRequest) -> np.ndarray:
    """Each cricket: regular chirps of 3-5 syllables (one wing stroke each); syllables as grains."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    duration = n / sr
    starts, lengths, freqs, gains_l, gains_r = [], [], [], [], []
    count = 2 + round(4 * intensity)
    for i in range(count):
        carrier = rng.uniform(4000.0, 5000.0)
        chirp_period = 1.0 / rng.uniform(1.8, 3.2)
        syllables = int(rng.integers(3, 6))
        syllable_period = 1.0 / rng.uniform(25.0, 38.0)
        level = (1.0 if i == 0 else rng.uniform(0.3, 0.8)) * rng.uniform(0.8, 1.0)
        gl, gr = dsp.pan_gains(rng.uniform(-0.8, 0.8))
        # Crickets keep time well: small jitter around a steady period.
        chirps = np.arange(rng.uniform(0.0, chirp_period), duration, chirp_period)
        chirps = chirps + rng.normal(0.0, 0.015 * chirp_period, chirps.shape[0])
        chirps = chirps[chirps >= 0.0]
        syl = (chirps[:, None] + np.arange(syllables)[None, :] * syllable_period).reshape(-1)
        starts.append((syl * sr).astype(np.int64))
        lengths.append(np.full(syl.shape[0], int(0.6 * syllable_period * sr)))
        freqs.append(np.full(syl.shape[0], carrier))
        gains = level * rng.uniform(0.8, 1.0, syl.shape[0])
        gains_l.append(gains * gl)
        gains_r.append(gains * gr)

    grains = dsp.Grains(np.concatenate(starts), np.concatenate(lengths), n)
    length = grains.per_grain(np.concatenate(lengths))
    u = grains.t / length
    shape = 4.0 * u * (1.0 - u)  # a smooth pulse per wing stroke
    # The pitch sags ~3 % across a stroke as the file-and-scraper slows.
    f = grains.per_grain(np.concatenate(freqs)) * (1.0 - np.float32(0.015) * u)
    values = shape * shape * np.sin(np.float32(2.0 * np.pi / sr) * f * grains.t)
    air = 1.0 / np.sqrt(1.0 + (4500.0 / dsp.distance_cutoff(distance)) ** 2)
    out = grains.scatter(values, np.concatenate(gains_l) * air, np.concatenate(gains_r) * air)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance), peak_limit=0.95)


RECIPE = Recipe(
    name="crickets",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Crickets: several insects chirping pulsed 4-5 kHz tones, each at its own rate.",
    tags=(
        "crickets",
        "cricket",
        "chirping crickets",
        "crickets chirping",
        "insects",
        "insect",
        "bugs",
        "grasshopper",
        "grasshoppers",
        "katydid",
        "cicada",
        "cicadas",
        "night insects",
        "chirring",
        "stridulation",
        "meadow at night",
        "countryside night",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
