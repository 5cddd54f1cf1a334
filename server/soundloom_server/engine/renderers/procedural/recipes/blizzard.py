"""Blizzard: a gale howling in gusts while driven snow and ice hiss against everything.

The wind is Farnell's: a low rumble, a broad blow whose level and brightness follow the gusts,
and a howl, narrow bands that whistle round edges and rise in pitch with the wind speed.
The snow is a particle stream (PhISEM): countless ice grains striking surfaces, each a tiny
high click; their rate and force grow with the square of the wind, so in a gust the hiss
thickens and brightens, and in a lull it thins to a patter.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _wind(rng: np.random.Generator, n: int, sr: int, gust: np.ndarray) -> dsp.Audio:
    """Rumble + blow + howl, unit RMS."""
    white = dsp.white(rng, n)
    rumble = dsp.filt(dsp.cascade(dsp.brown_sos(sr, 20.0), dsp.lowpass(150.0, sr)), white)
    dark = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.bandpass(100.0, 800.0, sr)), white)
    bright = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.bandpass(500.0, 4000.0, sr)), white)
    # The blow brightens with the gust: a crossfade from a dark to a bright band.
    w = np.clip(gust - 0.5, 0.0, 1.0)
    blow = dsp.rms_of(dark) ** -1 * dark * (1.0 - w) + dsp.rms_of(bright) ** -1 * bright * w
    howl = np.zeros(n, np.float32)
    for centre in rng.uniform(380.0, 900.0, 3):
        band = dsp.filt(dsp.resonator(centre, 25.0, sr), dsp.white(rng, n))
        # Each edge whistles only above its own wind speed.
        howl += (
            band
            * np.clip(gust - rng.uniform(0.6, 1.0), 0.0, None)
            / np.float32(dsp.rms_of(band) + 1e-9)
        )
    parts = ((rumble, 0.6), (blow * gust, 1.0), (howl, 0.8))
    return sum(p * np.float32(g / (dsp.rms_of(p) + 1e-9)) for p, g in parts)


def _snow(
    rng: np.random.Generator, n: int, sr: int, gust: np.ndarray, intensity: float
) -> dsp.Audio:
    """Ice grains: a dense Poisson stream of tiny high clicks, thicker and harder in gusts."""
    force = gust**2
    rate = 3000.0 * (0.4 + intensity)
    hits = dsp.thin(rng, dsp.poisson_times(rng, rate * 2.0, n, sr), np.clip(force / 2.0, 0.0, 1.0))
    grains = dsp.impulses(n, hits, rng.uniform(-1.0, 1.0, hits.shape[0]) * (0.5 + force[hits]))
    shape = dsp.cascade(
        dsp.highpass(2500.0, sr, order=2), dsp.peak(7000.0, 0.8, 5.0, sr), dsp.lowpass(14000.0, sr)
    )
    return dsp.filt(shape, grains)


def synth(req: SynthRequest) -> np.ndarray:
    """Gust curve -> wind and snow, each ear its own gust phase (the storm is all around)."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    base = 0.9 + 0.4 * intensity
    out = np.zeros((n, 2), np.float32)
    for ear in range(2):
        gust = np.clip(
            base + 0.35 * dsp.slow_noise(rng, n, sr, 0.6) + 0.1 * dsp.slow_noise(rng, n, sr, 2.0),
            0.2,
            2.2,
        ).astype(np.float32)
        wind = _wind(rng, n, sr, gust)
        snow = _snow(rng, n, sr, gust, intensity)
        out[:, ear] = wind + snow * np.float32(
            (0.12 + 0.1 * intensity) * dsp.rms_of(wind) / (dsp.rms_of(snow) + 1e-9)
        )
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="blizzard",
    family="weather",
    kind=EventKind.AMBIENCE,
    description="A blizzard: a howling, gusting gale driving hissing snow and ice.",
    tags=(
        "blizzard", "snowstorm", "snow storm", "whiteout", "driving snow", "blowing snow",
        "wind and snow", "icy wind", "arctic wind", "polar wind", "frozen wastes", "tundra",
        "winter storm", "ice storm", "howling blizzard", "snow blowing",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
