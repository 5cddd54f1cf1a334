"""Bubbles: air bubbling up through water, arriving in glugs, a boiling, gurgling stream.

Each bubble rings at its Minnaert frequency (f = 3.26 / radius, m.Hz) with a rising chirp
(van den Doel): the air supply pulses, so the bubbles come in glugs, surges ~80 ms long a few
times a second. Each surge is a fine cloud of small bubbles (1.5-4 mm, 0.8-2 kHz, damped by
their neighbours, so a fizz rather than tones) and a few big ones (5 mm and more, 300-700 Hz)
that are louder and whose pitch climbs as they wobble up; between surges a thin stream goes on.
Small bubbles (size 0) are a fizz; large ones (size 1) glug.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles as chirps


def synth(req: SynthRequest) -> np.ndarray:
    """Glugs: bursts of a fine bubble cloud with a few big wobbling bubbles, at 16 kHz."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(rate, 16000)  # the bubbles sit under 4 kHz
    sr, n = rate // k, frames // k + 2
    # The air arrives in glugs (the supply pulses, the water column lets go): Poisson, 4-12 a
    # second, each a surge ~80 ms long. Between them a thin stream keeps on.
    glug_rate = (4.0 + 8.0 * intensity) * (1.2 - 0.4 * size)
    glugs = dsp.poisson_times(rng, glug_rate, n, sr)
    surge = dsp.impulses(n, glugs, rng.uniform(0.5, 1.0, glugs.shape[0]))
    r = float(np.exp(-1.0 / (0.08 * sr)))
    surge = dsp.filt(np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]]), surge)
    surge = np.clip(3.0 * surge / (surge.max() + 1e-9), 0.0, 1.0)
    out = np.zeros((n, 2), np.float32)
    # The fine cloud: thousands of small bubbles (radius ~1.5-4 mm, 0.8-2 kHz) a second in a
    # surge, a sixth of that between; each barely rises in pitch (it rings out before it moves)
    # and its neighbours damp it (a cloud radiates as a whole): a fizz, not a row of tones.
    fine = dsp.thin(
        rng, dsp.poisson_times(rng, 800.0 + 2400.0 * intensity, n, sr), 0.15 + 0.85 * surge
    )
    fine_r = np.exp(rng.normal(np.log(1.8 + 1.5 * size), 0.5, fine.shape[0]))
    _cloud(out, rng, fine, fine_r, sr, rise=(0.0, 0.2), ring=0.6)
    # Big bubbles torn off by each surge (radius ~5 mm, ~650 Hz): fewer, louder (amplitude grows
    # with radius), and their pitch climbs as they wobble up and their shape rings down.
    big = dsp.thin(rng, dsp.poisson_times(rng, 200.0 + 300.0 * intensity, n, sr), surge)
    big_r = np.exp(rng.normal(np.log(3.5 + 3.0 * size), 0.4, big.shape[0]))
    big_out = np.zeros((n, 2), np.float32)
    _cloud(big_out, rng, big, big_r, sr, rise=(0.3, 1.0))
    out *= np.float32(1.0 / (dsp.rms_of(out) + 1e-9))
    out += big_out * np.float32(0.7 / (dsp.rms_of(big_out) + 1e-9))
    out = dsp.filt(dsp.lowpass(min(dsp.distance_cutoff(distance), 0.45 * sr), sr), out, axis=0)
    out = dsp.upsample_stereo(np.ascontiguousarray(out.T), k, frames)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


def _cloud(
    out: np.ndarray,
    rng: np.random.Generator,
    starts: np.ndarray,
    radius_mm: np.ndarray,
    sr: int,
    rise: tuple[float, float],
    ring: float = 1.0,
) -> None:
    """Minnaert chirps for bubbles of `radius_mm`, louder the bigger, panned across the stream."""
    count = starts.shape[0]
    if count == 0:
        return
    freqs = np.clip(3.26 / (radius_mm * 1e-3), 200.0, 0.4 * sr)
    amps = rng.uniform(0.3, 1.0, count) * (radius_mm / np.median(radius_mm)) ** 0.8
    pans = rng.uniform(-0.4, 0.4, count)
    chirps(out, starts, freqs, amps, pans, sr, rise=rng.uniform(*rise, count), ring=ring)


RECIPE = Recipe(
    name="bubbles",
    family="water",
    kind=EventKind.AMBIENCE,
    description="Bubbles: air bubbling up through water in streams, popping at the surface.",
    tags=(
        "bubbles", "bubbling", "bubble", "bubbly", "aquarium", "fish tank", "aerator",
        "air pump bubbles", "bubbling water", "glug", "glugging", "gurgle", "gurgling",
        "blowing bubbles", "fizz", "fizzing", "cauldron bubbling", "potion bubbling",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=30.0,
)  # fmt: skip
