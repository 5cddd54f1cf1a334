"""Rain: a Poisson stream of drop impacts ringing surface resonances, over a broadband hiss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest


@dataclass(frozen=True)
class _Surface:
    """How drops sound on one surface."""

    density: float  # drop-rate multiplier (leaves split drops into many small ones)
    splat_s: float  # decay of each drop's noise burst
    click: float  # impulse level that rings the resonances (hard surfaces ring)
    peaks: tuple[tuple[float, float], ...]  # (low Hz, high Hz) ranges for resonances
    q: tuple[float, float]  # resonance Q range
    gain_db: float  # resonance boost
    highpass: float  # drops lose their body below this
    bed: float  # hiss level relative to the drops


_SURFACES = {
    "ground": _Surface(1.0, 0.006, 0.25, ((600, 1200), (1500, 3000)), (1.5, 3.0), 6.0, 250, 0.9),
    # Metal panels ring, but drops land all over them: many moderate resonances, not a few
    # sharp ones that would read as steady whistles.
    "roof": _Surface(
        0.8,
        0.002,
        1.0,
        ((150, 300), (700, 1200), (1200, 2200), (2200, 3500), (3500, 5000), (5000, 7500)),
        (8, 16),
        12,
        120,
        0.45,
    ),
    "leaves": _Surface(1.6, 0.003, 0.2, ((1500, 2500), (3000, 5000)), (2.0, 4.0), 7.0, 500, 0.7),
    "window": _Surface(0.7, 0.0015, 0.8, ((2500, 4000), (4000, 6500)), (12, 25), 16, 400, 0.35),
}
# Words people use for the surfaces; each maps to one model.
_ALIASES = {
    "ground": "ground", "street": "ground", "pavement": "ground", "puddle": "ground",
    "roof": "roof", "tin": "roof", "metal": "roof", "car": "roof",
    "leaves": "leaves", "foliage": "leaves", "forest": "leaves", "tent": "leaves",
    "window": "window", "glass": "window",
}  # fmt: skip


def synth(req: SynthRequest) -> np.ndarray:
    """Drops (noise splats + resonant plinks) and hiss, widened to stereo."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    surface = _SURFACES[_ALIASES[req.word("material")]]

    # Showers come and go: a slow curve scales the drop rate and the hiss together.
    swell = np.clip(1.0 + 0.25 * dsp.slow_noise(rng, n, sr, 0.08), 0.4, 1.6)
    rate = (30.0 + 1400.0 * intensity**1.6) * surface.density
    drops = dsp.thin(rng, dsp.poisson_times(rng, rate * 1.6, n, sr), swell / 1.6)
    # Drop sizes are heavy-tailed: many small drops, a few big splashes.
    amps = np.minimum(rng.pareto(2.5, drops.shape[0]) + 0.15, 4.0)
    amps *= rng.choice([-1.0, 1.0], drops.shape[0])

    # Each splat is a burst of noise with an exponential envelope; the envelope is band-limited,
    # so it is built at a low rate and interpolated.
    k = dsp.low_rate_factor(sr, 6000)
    r = np.exp(-k / (surface.splat_s * sr))
    env = dsp.filt(
        np.array([[1.0, 0, 0, 1.0, -r, 0]]), dsp.impulses(n // k + 2, drops // k, np.abs(amps))
    )
    noise = dsp.white(rng, n)
    excite = noise * dsp.upsample(env, k, n)
    excite += dsp.impulses(n, drops, amps * surface.click * 6.0)

    air = dsp.lowpass(dsp.distance_cutoff(distance), sr, order=2)
    rings = [
        dsp.peak(rng.uniform(lo, hi), rng.uniform(*surface.q), surface.gain_db, sr)
        for lo, hi in surface.peaks
    ]
    wet = dsp.filt(dsp.cascade(dsp.highpass(surface.highpass, sr), *rings, air), excite)
    noise *= swell.astype(np.float32) * np.float32(surface.bed * (0.3 + 0.4 * intensity))
    wet += dsp.filt(
        dsp.cascade(dsp.highpass(400.0, sr, order=1), dsp.lowpass(9000.0, sr), air), noise
    )
    out = dsp.widen(wet, sr, delay_s=0.011)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="rain",
    family="weather",
    kind=EventKind.AMBIENCE,
    description="Rainfall: a statistical stream of drops ringing the surface they hit over a hiss.",
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
