"""Hail: hard ice stones striking and bouncing, sparser, larger and harder than rain (PhISEM).

Each stone is a particle strike with its own resonance (it lands on a different spot of the
surface each time) and a sharp ice click, then bounces a few times, each bounce sooner and
weaker; the stones further off fuse into a rattling wash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import (
    particle_wash,
    strikes,
)


@dataclass(frozen=True)
class _Surface:
    """How hailstones sound on one surface."""

    band: tuple[float, float]  # range (Hz) of each strike's centre frequency
    decay_ms: tuple[float, float]  # range of each strike's ring (thin metal rings, ground is dead)
    tone: float  # share of a strike that rings as modes
    bounce: float  # restitution: how high a stone bounces back (hard surfaces: more)
    wash_band: tuple[float, float]  # where the rattle of distant stones sits


_SURFACES = {
    "ground": _Surface((800, 5000), (1.0, 3.0), 0.15, 0.35, (800, 9000)),
    "roof": _Surface((1500, 9000), (1.5, 6.0), 0.3, 0.5, (1000, 10000)),
    "car": _Surface((1000, 7000), (5.0, 22.0), 0.55, 0.55, (1200, 10000)),
    "window": _Surface((2000, 8000), (2.0, 8.0), 0.45, 0.6, (1500, 11000)),
    "wood": _Surface((500, 3500), (2.0, 6.0), 0.3, 0.4, (700, 8000)),
}
_WASH_LEVEL = 0.8  # the rattle of far stones, relative to the near strikes: under them
_WASH_RATE_HZ = 3000.0  # far stones are countless: their rattle is dense
_CLICK = 3.0  # ice is hard: a strong contact click on every strike
_ALIASES = {
    "ground": "ground", "street": "ground", "pavement": "ground", "road": "ground",
    "grass": "ground", "field": "ground",
    "roof": "roof", "tin": "roof", "metal": "roof", "tin roof": "roof",
    "car": "car", "vehicle": "car", "bonnet": "car", "hood": "car",
    "window": "window", "glass": "window", "skylight": "window",
    "wood": "wood", "deck": "wood", "shingles": "wood", "porch": "wood",
}  # fmt: skip


def _hits(
    rng: np.random.Generator, n: int, sr: int, rate: float, bounce: float
) -> tuple[np.ndarray, np.ndarray]:
    """Stone strikes plus bounces, each sooner and weaker than the last (a ball's decay)."""
    swell = np.clip(1.0 + 0.3 * dsp.slow_noise(rng, n, sr, 0.1), 0.3, 1.7)
    first = dsp.thin(rng, dsp.poisson_times(rng, rate * 1.7, n, sr), swell / 1.7)
    # Stone sizes are heavy-tailed: mostly pea-sized, now and then a big one; stones land at
    # all distances (1/r), so most strikes are moderate.
    reach = 1.0 + 3.0 * np.sqrt(rng.random(first.shape[0]))
    amp = np.minimum(rng.pareto(3.0, first.shape[0]) + 0.4, 2.0) / reach
    positions, amps = [first], [amp]
    gap = rng.uniform(0.04, 0.12, first.shape[0]) * np.sqrt(amp * reach)  # big stones bounce higher
    at, level = first.astype(np.float64), amp.copy()
    for _ in range(3):
        e = bounce * rng.uniform(0.7, 1.1, first.shape[0])
        at = at + gap * sr
        level = level * e * rng.uniform(0.5, 0.9, first.shape[0])
        gap = gap * e
        keep = (at < n) & (level > 0.03)
        positions.append(at[keep].astype(np.int64))
        amps.append(level[keep])
    return np.concatenate(positions), np.concatenate(amps)


def synth(req: SynthRequest) -> np.ndarray:
    """Stone strikes with bounces (per-strike resonances, panned) over the rattle of far stones."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    surface = _SURFACES[_ALIASES[req.word("material")]]
    rate = 8.0 + 100.0 * intensity**1.5
    pos, amp = _hits(rng, n, sr, rate, surface.bounce)
    decay = (surface.decay_ms[0] * 1e-3, surface.decay_ms[1] * 1e-3)
    out = strikes(rng, n, sr, pos, amp, surface.band, decay, surface.tone, _CLICK)

    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    low, high = surface.wash_band
    shape = dsp.cascade(dsp.highpass(low, sr, order=2), dsp.lowpass(high, sr), air)
    wash = particle_wash(rng, n, sr, _WASH_RATE_HZ, shape, np.ones(n, np.float32))
    # Soft-clip the rare huge strikes (otherwise they alone set the level of the whole bed),
    # then filter: the clip's own distortion must not add a low thump.
    knee = np.float32(6.0 * dsp.rms_of(out) + 1e-12)
    out = np.tanh(out / knee) * knee
    out += wash * np.float32(_WASH_LEVEL * dsp.rms_of(out) / (dsp.rms_of(wash) + 1e-12))
    out = dsp.filt(dsp.cascade(dsp.highpass(300.0, sr), air), out, axis=0)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="hail",
    family="weather",
    kind=EventKind.AMBIENCE,
    description="Hail: ice stones clattering and bouncing on a roof, a car or the ground.",
    tags=(
        "hail",
        "hailstorm",
        "hail storm",
        "hailstones",
        "hailstone",
        "hailing",
        "ice pellets",
        "sleet",
        "graupel",
        "ice storm",
        "hail on roof",
        "hail on car",
        "hail on tin roof",
        "hail on window",
        "pelting hail",
        "falling ice",
        "ice stones",
        "hail shower",
    ),
    synth=synth,
    params=(
        dsp.INTENSITY,
        dsp.DISTANCE,
        ParamSpec(
            "material",
            "roof",
            choices=tuple(_ALIASES),
            doc="What the stones hit: roof, tin, car, ground, window, wood, ...",
        ),
    ),
    typical_duration_s=30.0,
)
