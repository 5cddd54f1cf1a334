"""Beds from recordings: a river, a waterfall.

Turbulent water is a chaotic flow whose texture (thousands of bubbles and
eddies, their spectra changing all the time) synthesis only approximates, so these beds are cut
from CC0 / public-domain recordings in the pack. Each ear gets its own stream of segments taken
from random places of the take and cross-faded at equal power on a circular grid, so a bed of
any length is stationary, decorrelated in stereo like a wide source, never repeats the same
way, and loops without a seam. Intensity is the flow: a faster, denser and brighter take.
(The pack's furnace and machinery takes are heard as vehicles on their own: no recipe yet.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthFn, SynthRequest


@dataclass(frozen=True)
class _Bed:
    """How one recorded bed is cut."""

    group: str
    segment_s: tuple[float, float]  # cut length range: long enough to keep the gestures
    flow_semitones: float  # speed change from intensity 0 to 1


def _synth_for(bed: _Bed) -> SynthFn:
    def synth(req: SynthRequest) -> np.ndarray:
        """Two decorrelated streams re-cut from a seeded take; flow from intensity; air."""
        sr, n, rng = req.sample_rate, req.frames, req.rng
        intensity, distance = req.number("intensity"), req.number("distance")
        take = samples.choose(rng, bed.group)
        speed = 2.0 ** ((intensity - 0.5) * bed.flow_semitones / 12.0 + rng.uniform(-0.3, 0.3) / 12)
        source = samples.to_channels(samples.at_speed(samples.load(take, sr), speed, sr), 1)
        ears = [
            samples.granular_bed(rng, source, n, sr, rng.uniform(*bed.segment_s), jitter=0.6)[:, 0]
            for _ in range(2)
        ]
        # Mostly decorrelated ears, with some shared signal so the source keeps a centre.
        left, right = ears[0] + 0.35 * ears[1], ears[1] + 0.35 * ears[0]
        # Sub-40 Hz is wind on the microphone and handling, not the source; air takes the highs.
        air = dsp.cascade(dsp.highpass(40.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr))
        out = dsp.filt(air, dsp.stereo(left, right))
        return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))

    return synth


def _recipe(name: str, family: str, bed: _Bed, description: str, tags: tuple[str, ...]) -> Recipe:
    return Recipe(
        name=name,
        family=family,
        kind=EventKind.AMBIENCE,
        description=description,
        tags=tags,
        synth=_synth_for(bed),
        params=(dsp.INTENSITY, dsp.DISTANCE),
        typical_duration_s=30.0,
    )


RECIPES = (
    _recipe(
        "river",
        "water",
        _Bed("river", (0.6, 1.5), 3.0),
        "A river: broad flowing water over stones, recorded (CC0), re-cut to any length.",
        (
            "river",
            "rivers",
            "flowing river",
            "river bank",
            "riverbank",
            "rapids",
            "creek",
            "flowing water",
            "running water",
            "current",
            "river flowing",
            "ford",
            "rushing water",
        ),
    ),
    _recipe(
        "waterfall",
        "water",
        _Bed("waterfall", (0.6, 1.5), 3.0),
        "A waterfall: falling water pounding a pool, a dense roar, recorded (CC0).",
        (
            "waterfall",
            "waterfalls",
            "falls",
            "cascade",
            "cascading water",
            "weir",
            "dam",
            "plunge pool",
            "torrent",
            "roaring water",
        ),
    ),
)
