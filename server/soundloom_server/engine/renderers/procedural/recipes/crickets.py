"""Crickets: a few individuals, each chirping pulsed tones near 4-5 kHz at its own rate."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

HARMONICS = ((2, 0.2), (3, 0.08))  # (multiple, level re the fundamental) of a stridulation pulse


def _air(freq_hz: float, cutoff_hz: float) -> float:
    """Air absorption at `freq_hz` for a distance whose first-order cutoff is `cutoff_hz`."""
    return 1.0 / float(np.sqrt(1.0 + (freq_hz / cutoff_hz) ** 2))


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
    phase = np.float32(2.0 * np.pi / sr) * f * grains.t
    # The wing's tooth strikes are not pure sine pulses: weak 2nd and 3rd harmonics, which the
    # air takes first as the cricket gets farther away (each by its own frequency).
    cutoff = dsp.distance_cutoff(distance)
    values = np.sin(phase)
    for k, level in HARMONICS:
        if k * 4500.0 < 0.45 * sr:
            values += np.float32(level * _air(k * 4500.0, cutoff) / _air(4500.0, cutoff)) * np.sin(
                k * phase
            )
    values *= shape * shape
    air = _air(4500.0, cutoff)
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
