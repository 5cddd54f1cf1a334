"""Rain: Cook's PhISEM particle stream of near drops, each its own resonance, over a dense wash.

A drop that lands near the listener is heard on its own: a short burst whose colour depends on
what it hit and where (a tin roof is many panels, so every drop rings its own modes, and no
frequency recurs often enough to become a steady line). The countless drops further away fuse
into a wash, noise whose spectrum, a broad hump over 1-8 kHz, is what a listener calls rain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import (
    bubbles,
    particle_wash,
    strikes,
)


@dataclass(frozen=True)
class _Surface:
    """How drops sound on one surface."""

    density: float  # near-drop rate multiplier (leaves split drops into many small ones)
    band: tuple[float, float]  # range (Hz) of each drop's centre frequency, drawn log-uniform
    decay_ms: tuple[float, float]  # range of each drop's decay time constant
    tone: float  # share of a drop that rings as modes (0: a dull splat of noise)
    click: float  # the contact transient: hard surfaces tick
    bubbles: float  # share of drops that trap a bubble (puddles)
    wash_band: tuple[float, float]  # where the wash of distant drops sits
    wash: float  # wash level relative to the near drops


_SURFACES = {
    "ground": _Surface(1.0, (900, 6000), (0.8, 3.0), 0.1, 0.3, 0.25, (600, 9000), 1.3),
    # Sheet metal: each drop strikes a different spot of a different panel, so each rings its
    # own pair of modes for tens of ms; the spread keeps the roof from whistling.
    "roof": _Surface(1.3, (1500, 9000), (2.0, 10.0), 0.35, 0.8, 0.0, (600, 9000), 1.3),
    "leaves": _Surface(1.8, (500, 3500), (2.0, 6.0), 0.15, 0.1, 0.0, (700, 8000), 1.1),
    "window": _Surface(0.5, (1200, 6000), (2.0, 8.0), 0.4, 0.4, 0.0, (600, 7000), 1.0),
}
# Words people use for the surfaces; each maps to one model.
_ALIASES = {
    "ground": "ground", "street": "ground", "pavement": "ground", "puddle": "ground",
    "roof": "roof", "tin": "roof", "metal": "roof", "car": "roof",
    "leaves": "leaves", "foliage": "leaves", "forest": "leaves", "tent": "leaves",
    "window": "window", "glass": "window",
}  # fmt: skip


def _near_drops(
    rng: np.random.Generator, n: int, sr: int, rate: float, swell: np.ndarray, surface: _Surface
) -> dsp.Audio:
    """Drops heard one by one: particle strikes, plus a Minnaert plink where a puddle traps air."""
    starts = dsp.thin(rng, dsp.poisson_times(rng, rate * 1.6, n, sr), swell / 1.6)
    count = starts.shape[0]
    # Drops land anywhere on a disc around the listener: most are far (weak), few are close.
    # Their sizes are log-normal; the 1/r law and a cap keep one drop from owning the bed.
    reach = 1.0 + 5.0 * np.sqrt(rng.random(count))
    amp = np.minimum(rng.lognormal(0.0, 0.45, count) / reach, 1.2)
    decay = (surface.decay_ms[0] * 1e-3, surface.decay_ms[1] * 1e-3)
    out = strikes(rng, n, sr, starts, amp, surface.band, decay, surface.tone, surface.click)
    if surface.bubbles > 0.0:
        wet = rng.random(count) < surface.bubbles
        pitch = np.exp(rng.uniform(np.log(1500.0), np.log(5000.0), int(wet.sum())))
        bubbles(out, starts[wet], pitch, 0.6 * amp[wet], rng.uniform(-0.9, 0.9, pitch.size), sr)
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Near drops (per-drop resonances, each panned) + the wash of distant drops."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    surface = _SURFACES[_ALIASES[req.word("material")]]

    # Showers come and go: a slow curve scales the drop rate and the wash together.
    swell = np.clip(1.0 + 0.2 * dsp.slow_noise(rng, n, sr, 0.08), 0.5, 1.5)
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr, order=2)
    # Far away, fewer drops are near enough to be heard one by one.
    rate = (40.0 + 700.0 * intensity**1.5) * surface.density * (1.0 - 0.7 * distance)
    drops = dsp.filt(air, _near_drops(rng, n, sr, rate, swell, surface), axis=0)
    low, high = surface.wash_band
    shape = dsp.cascade(
        dsp.highpass(low, sr, order=2),
        dsp.peak(np.sqrt(low * high), 0.7, 3.0, sr),
        dsp.lowpass(high, sr, order=2),
        air,
    )
    wash = particle_wash(rng, n, sr, 2500.0, shape, swell)
    level = surface.wash * (0.6 + 0.8 * intensity) * (1.0 + distance)
    drops += wash * np.float32(level * dsp.rms_of(drops) / (dsp.rms_of(wash) + 1e-12))
    return dsp.fit_rms(drops, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="rain",
    family="weather",
    kind=EventKind.AMBIENCE,
    description="Rainfall: a stream of drops, each ringing the spot it hits, over a dense wash.",
    tags=(
        "rain",
        "raining",
        "rainy",
        "rainfall",
        "drizzle",
        "drizzling",
        "downpour",
        "shower",
        "showers",
        "storm rain",
        "heavy rain",
        "light rain",
        "pouring",
        "pouring rain",
        "drops",
        "raindrops",
        "rain drops",
        "rain on roof",
        "rain on window",
        "rain on leaves",
        "wet",
        "monsoon",
        "rainstorm",
        "sprinkle",
        "precipitation",
        "pitter patter",
    ),
    synth=synth,
    params=(
        dsp.INTENSITY,
        dsp.DISTANCE,
        ParamSpec(
            "material",
            "ground",
            choices=tuple(_ALIASES),
            doc="What the drops hit: ground, roof, tin, metal, leaves, window, ...",
        ),
    ),
    typical_duration_s=30.0,
)
