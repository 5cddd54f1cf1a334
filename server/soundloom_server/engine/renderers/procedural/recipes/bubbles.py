"""Bubbles: air bubbling up through water, a stream from a nozzle popping at the surface.

Each bubble rings at its Minnaert frequency (f = 3.26 / radius, m.Hz) with a rising chirp as
it leaves the nozzle (van den Doel): radii are log-normal, a few millimetres, so the tones are
0.5-3 kHz. A nozzle releases them in quasi-regular trains that break into bursts; each one
reaches the surface a moment later and bursts with a short, higher, noisier pop and a tiny
splash. Small bubbles (size 0) are a fizz; large ones (size 1) glug.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles as chirps


def synth(req: SynthRequest) -> np.ndarray:
    """Release trains of bubble chirps + surface pops and splashes, at 24 kHz."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(rate, 24000)
    sr, n = rate // k, frames // k + 2
    # The nozzle: release rate wanders (the air supply pulses), 10-60 bubbles a second.
    flow = np.clip(1.0 + 0.4 * dsp.slow_noise(rng, n, sr, 0.8), 0.2, 2.0)
    mean_rate = (10.0 + 50.0 * intensity) * (1.4 - 0.8 * size)
    starts = dsp.thin(rng, dsp.poisson_times(rng, mean_rate * 2.0, n, sr), flow / 2.0)
    count = starts.shape[0]
    radius_mm = np.exp(rng.normal(np.log(1.2 + 4.0 * size), 0.35, count))
    freqs = np.minimum(3.26 / (radius_mm * 1e-3), 0.4 * sr)
    amps = rng.uniform(0.4, 1.0, count) * (radius_mm / radius_mm.mean()) ** 0.5
    pans = rng.uniform(-0.3, 0.3, count)
    out = np.zeros((n, 2), np.float32)
    chirps(out, starts, freqs, amps, pans, sr, rise=rng.uniform(0.05, 0.15, count))
    # The surface: a pop (a much smaller, higher ring) and splash ~0.1-0.4 s after release.
    pops = starts + (rng.uniform(0.1, 0.4, count) * sr).astype(np.int64)
    keep = pops < n
    chirps(
        out,
        pops[keep],
        freqs[keep] * rng.uniform(1.8, 3.0, int(keep.sum())),
        0.3 * amps[keep],
        pans[keep],
        sr,
        rise=0.3,
    )
    # Each burst tears the surface: ~10 ms of noise, the water sloshing back over the hole.
    tear = dsp.impulses(n, pops[keep], amps[keep])
    r = float(np.exp(-1.0 / (0.01 * sr)))
    tear = dsp.filt(np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]]), tear) * dsp.white(rng, n)
    splash = dsp.filt(dsp.bandpass(800.0, 6000.0, sr), tear)
    splash *= np.float32(0.8 * dsp.rms_of(out) / (dsp.rms_of(splash) + 1e-9))
    out += dsp.widen(splash, sr, width=0.5)
    out = dsp.filt(dsp.lowpass(min(dsp.distance_cutoff(distance), 0.45 * sr), sr), out, axis=0)
    out = dsp.upsample_stereo(np.ascontiguousarray(out.T), k, frames)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


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
