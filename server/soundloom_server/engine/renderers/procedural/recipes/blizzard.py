"""Blizzard: a gale howling in gusts while driven snow and ice hiss against everything.

The wind is Farnell's: a low rumble, a broad blow whose level and brightness follow the gusts,
and a howl. Gusts come every several seconds (a sub-hertz speed curve), so the storm surges
and lulls rather than breathing once a second. The howl is vortex shedding round edges:
narrow whistles at a Strouhal frequency (f = St v / d) that glide up and down with the wind
speed and only sing above their edge's own speed. The snow is a particle stream (PhISEM):
countless ice grains striking surfaces, each a tiny high click; their rate and force grow
with the square of the wind, so in a gust the hiss thickens and brightens, and in a lull it
thins to a patter.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

_HOWLS = 3  # edges that whistle: a roof edge, a wire, a gap in a wall


def _whistle(rng: np.random.Generator, n: int, sr: int, centre_hz: np.ndarray) -> dsp.Audio:
    """Narrow-band noise whose centre glides along `centre_hz`: smooth noise on a carrier."""
    # ~40 Hz of bandwidth: the shed vortices' frequency jitter, heard as a breathy whistle.
    smooth = dsp.filt(dsp.lowpass(40.0, sr, order=2), dsp.white(rng, n))
    phase = np.cumsum(centre_hz * (2.0 * np.pi / sr))
    out = smooth * np.cos(phase + rng.uniform(0.0, 2.0 * np.pi)).astype(np.float32)
    return out / np.float32(dsp.rms_of(out) + 1e-9)


def _wind(
    rng: np.random.Generator, n: int, sr: int, speed: np.ndarray, mean_speed: np.ndarray
) -> dsp.Audio:
    """Rumble + blow + howl from the wind speed (~0.3 .. 2) and its gust-scale mean."""
    white = dsp.white(rng, n)
    rumble = dsp.filt(dsp.cascade(dsp.brown_sos(sr, 20.0), dsp.lowpass(150.0, sr)), white)
    dark = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.bandpass(100.0, 800.0, sr, order=2)), white)
    bright = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.bandpass(300.0, 2500.0, sr, order=2)), white)
    # The blow brightens with the speed: a crossfade from a dark to a bright band.
    w = np.clip(speed - 0.7, 0.0, 1.0)
    blow = (
        dark / np.float32(dsp.rms_of(dark)) * (1.0 - w)
        + bright / np.float32(dsp.rms_of(bright)) * w
    )
    howl = np.zeros(n, np.float32)
    for edge_hz in np.exp(rng.uniform(np.log(250.0), np.log(550.0), _HOWLS)):
        # Strouhal: the pitch follows the speed; each edge sings only above its own speed.
        # The shedding locks to the flow's mean over the edge, not to each eddy.
        over = np.clip(speed - rng.uniform(0.6, 1.0), 0.0, None)
        howl += _whistle(rng, n, sr, edge_hz * mean_speed) * over
    parts = ((rumble * (0.4 + 0.6 * speed), 1.0), (blow * speed * speed, 1.0), (howl, 0.9))
    return sum(p * np.float32(g / (dsp.rms_of(p) + 1e-9)) for p, g in parts)


def _snow(
    rng: np.random.Generator, n: int, sr: int, speed: np.ndarray, intensity: float
) -> dsp.Audio:
    """Ice grains: a dense Poisson stream of tiny high clicks, thicker and harder in gusts."""
    force = speed**2
    rate = 3000.0 * (0.4 + intensity)
    hits = dsp.thin(rng, dsp.poisson_times(rng, rate * 2.0, n, sr), np.clip(force / 3.0, 0.0, 1.0))
    grains = dsp.impulses(n, hits, rng.uniform(-1.0, 1.0, hits.shape[0]) * (0.5 + force[hits]))
    shape = dsp.cascade(
        dsp.highpass(2500.0, sr, order=2), dsp.peak(7000.0, 0.8, 5.0, sr), dsp.lowpass(14000.0, sr)
    )
    return dsp.filt(shape, grains)


def synth(req: SynthRequest) -> np.ndarray:
    """One gust curve reaching each ear a moment apart -> wind and snow per ear."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    base = 0.9 + 0.4 * intensity
    lag = int(rng.uniform(0.2, 0.5) * sr)
    # Gusts every ~5-10 s over a slower drift; on each ear the turbulent eddies (Kolmogorov:
    # weaker the faster) buffet the flow at one to a few hertz.
    gusts = 0.35 * dsp.drift(rng, n + lag, sr, 0.15) + 0.15 * dsp.drift(rng, n + lag, sr, 0.04)
    out = np.zeros((n, 2), np.float32)
    for ear, shared in enumerate((gusts[lag:], gusts[:n])):
        eddies = 0.25 * dsp.slow_noise(rng, n, sr, 1.5) + 0.1 * dsp.slow_noise(rng, n, sr, 6.0)
        mean_speed = np.clip(base * (1.0 + shared), 0.3, 2.2).astype(np.float32)
        speed = np.clip(mean_speed + base * eddies, 0.3, 2.2).astype(np.float32)
        wind = _wind(rng, n, sr, speed, mean_speed)
        snow = _snow(rng, n, sr, speed, intensity)
        out[:, ear] = wind + snow * np.float32(
            (0.07 + 0.06 * intensity) * dsp.rms_of(wind) / (dsp.rms_of(snow) + 1e-9)
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
