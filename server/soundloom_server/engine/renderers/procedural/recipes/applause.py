"""Applause: many people clapping, each a short noise burst ringing the cupped hands' cavity.

Each clapper claps at their own steady 3-6 Hz with a little jitter, and their hands resonate at
their own frequency (1-2.5 kHz, set by hand shape). Clappers are grouped by resonance; each
group's claps are exponential noise bursts (an impulse train through a one-pole envelope) that
share one resonance filter, so the cost grows with the groups, not the people.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

GROUPS = 4


def people(intensity: float) -> int:
    """Number of clappers: a handful at 0 to a full hall at 1."""
    return 5 + round(70 * intensity**1.5)


def clapper_levels(rng: np.random.Generator, count: int) -> np.ndarray:
    """Each clapper's level at the listener, 1 for one at arm's length (1.5 m).

    The audience fills the floor around the listener (1.5-20 m, uniform over the area) and
    level falls as 1/r: the few people nearest stand out as distinct claps over the blend of
    the rest. Equal levels for all make an even patter, heard as rain.
    """
    return 1.5 / (1.5 + 18.5 * np.sqrt(rng.uniform(0.0, 1.0, count)))


def synth(req: SynthRequest) -> np.ndarray:
    """Clap trains per person, summed per resonance group, filtered and spread wide."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 24000)
    low_sr, m = sr // k, n // k + 2
    duration = m / low_sr
    count = people(intensity)
    resonance = rng.uniform(1000.0, 2500.0, count)
    group = np.minimum(((resonance - 1000.0) / 1500.0 * GROUPS).astype(int), GROUPS - 1)
    near = clapper_levels(rng, count)
    # Enthusiasm swells and ebbs across the crowd.
    swell = np.clip(1.0 + 0.25 * dsp.slow_noise(rng, m, low_sr, 0.15, control_rate=50), 0.4, 1.6)
    trains = np.zeros((GROUPS, m), np.float32)
    for person in range(count):
        rate = rng.uniform(3.0, 6.0)
        beats = int(duration * rate) + 2
        times = (np.arange(beats) + rng.uniform()) / rate + rng.normal(0.0, 0.06 / rate, beats)
        pos = (times[(times >= 0.0) & (times < duration)] * low_sr).astype(np.int64)
        level = near[person] * rng.uniform(0.7, 1.0, pos.shape[0])
        np.add.at(trains[group[person]], pos, level * swell[pos])
    # 5 ms decays: the slap of palms, brief and dry.
    r = float(np.exp(-1.0 / (0.005 * low_sr)))
    envs = dsp.filt(np.array([[1.0, 0.0, 0.0, 1.0, -r, 0.0]]), trains, axis=1)
    shared = dsp.cascade(
        dsp.bandpass(500.0, 7000.0, low_sr), dsp.lowpass(dsp.distance_cutoff(distance), low_sr)
    )
    mono = np.zeros(m, np.float32)
    for g in range(GROUPS):
        centre = 1000.0 + 1500.0 * (g + 0.5) / GROUPS
        bursts = dsp.white(rng, m) * envs[g]
        mono += dsp.filt(dsp.cascade(dsp.peak(centre, 2.5, 12.0, low_sr), shared), bursts)
    out = dsp.widen(dsp.upsample(mono, k, n), sr, width=0.95)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="applause",
    family="people",
    kind=EventKind.AMBIENCE,
    description="An audience applauding: many hands clapping, from a smattering to an ovation.",
    tags=(
        "applause", "applauding", "applaud", "clapping", "clap", "claps", "clapping hands",
        "hands clapping", "ovation", "standing ovation", "round of applause", "cheering crowd",
        "encore", "bravo",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=10.0,
)  # fmt: skip
