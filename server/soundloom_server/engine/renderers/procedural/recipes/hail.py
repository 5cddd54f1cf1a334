"""Hail: hard ice stones striking and bouncing on a surface, sparser and harder than rain."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest


@dataclass(frozen=True)
class _Surface:
    """How hailstones sound on one surface."""

    peaks: tuple[tuple[float, float], ...]  # (low Hz, high Hz) ranges for the surface's modes
    q: tuple[float, float]  # mode Q range (thin metal rings, ground is dead)
    gain_db: float  # mode boost
    highpass: float  # the stones have no body below this
    bounce: float  # restitution: how high a stone bounces back (hard surfaces: more)


_SURFACES = {
    "ground": _Surface(((700, 1300), (2000, 3500)), (1.5, 2.5), 6.0, 300.0, 0.35),
    "roof": _Surface(
        ((300, 600), (1200, 2200), (3000, 4500), (5000, 7000)), (20, 45), 18, 200, 0.5
    ),
    "car": _Surface(((900, 1500), (2200, 3400), (4200, 6500)), (25, 50), 20.0, 350.0, 0.55),
    "window": _Surface(((2500, 4000), (4500, 7000)), (12, 25), 16.0, 500.0, 0.6),
    "wood": _Surface(((250, 500), (900, 1600)), (5, 9), 10.0, 150.0, 0.4),
}
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
    # Stone sizes are heavy-tailed: mostly pea-sized, now and then a big one.
    amp = np.minimum(rng.pareto(3.0, first.shape[0]) + 0.4, 2.0)
    positions, amps = [first], [amp]
    gap = rng.uniform(0.04, 0.12, first.shape[0]) * np.sqrt(amp)  # bigger stones bounce higher
    at, level = first.astype(np.float64), amp.copy()
    for _ in range(3):
        e = bounce * rng.uniform(0.7, 1.1, first.shape[0])
        at = at + gap * sr
        level = level * e * rng.uniform(0.5, 0.9, first.shape[0])
        gap = gap * e
        keep = (at < n) & (level > 0.08)
        positions.append(at[keep].astype(np.int64))
        amps.append(level[keep])
    return np.concatenate(positions), np.concatenate(amps)


def synth(req: SynthRequest) -> np.ndarray:
    """Clicks + ice splinter noise ringing the surface's modes, over a hiss of distant stones."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    surface = _SURFACES[_ALIASES[req.word("material")]]
    rate = 12.0 + 220.0 * intensity**1.5
    pos, amp = _hits(rng, n, sr, rate, surface.bounce)
    amp *= rng.choice([-1.0, 1.0], amp.shape[0])

    # Ice is hard: each strike is a sharp click plus a ~1 ms splinter of noise (envelopes at
    # 6 kHz, interpolated).
    k = dsp.low_rate_factor(sr, 6000)
    r = np.exp(-k / (0.0012 * sr))
    env = dsp.filt(
        np.array([[1.0, 0, 0, 1.0, -r, 0]]), dsp.impulses(n // k + 2, pos // k, np.abs(amp))
    )
    noise = dsp.white(rng, n)
    excite = noise * dsp.upsample(env, k, n)
    excite += dsp.impulses(n, pos, amp * 1.5)
    # Distant stones everywhere: a hiss that keeps the bed from gaps between strikes (the noise
    # reversed is another white noise, uncorrelated with the splinters, without a second draw).
    excite += noise[::-1] * np.float32(0.04 + 0.03 * intensity)

    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    rings = [
        dsp.peak(rng.uniform(lo, hi), rng.uniform(*surface.q), surface.gain_db, sr)
        for lo, hi in surface.peaks
    ]
    wet = dsp.filt(
        dsp.cascade(dsp.highpass(surface.highpass, sr), *rings, dsp.lowpass(10000.0, sr), air),
        excite,
    )
    # Soft-clip the rare huge strikes: otherwise they alone set the level of the whole bed.
    knee = np.float32(5.0 * dsp.rms_of(wet) + 1e-12)
    wet = np.tanh(wet / knee) * knee
    out = dsp.widen(wet, sr, delay_s=0.012)
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
