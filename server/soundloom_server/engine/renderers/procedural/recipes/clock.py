"""Clock: an escapement ticking, tick and tock alternating, each a tiny modal click in a case.

Each beat is the pallet striking the escape wheel (a small, high metal click) followed a few
milliseconds later by the drop, both ringing the wooden case. Tick and tock differ slightly in
pitch because the two pallets are not identical. A few variants play round-robin.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import (
    event_times,
    normalised,
    pan_stereo,
    room_tone,
)
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

RATE = ParamSpec("rate", 0.0, doc="Beats: 0 one tick a second (a clock) .. 1 four a second")
TOCK_SIZE = 0.06  # a slightly larger pallet: the tock sits ~15 % lower than the tick
# Escapement parts are small and damped by oil and their mounting: a click, not a chime.
MAX_CREST = 16.0
_PALLET = dataclasses.replace(MATERIALS["metal"], t60_s=0.1)


def ticks_per_second(rate: float) -> float:
    """Beat rate in Hz for `rate` 0..1: 1 (a seconds clock) doubling twice up to 4."""
    return float(2.0 ** (2.0 * rate))


def beat(rng: np.random.Generator, sr: int, size: float, hardness: float) -> dsp.Audio:
    """One escapement beat: pallet click, drop click and the case's short wooden ring."""
    length = int(0.3 * sr)
    out = strike(rng, _PALLET, size, hardness, sr, length)
    drop = int(rng.uniform(0.006, 0.014) * sr)
    out[drop:] += 0.5 * strike(rng, _PALLET, size + 0.04, hardness, sr, length - drop)
    out += 0.7 * strike(rng, MATERIALS["wood"], 0.3, 0.6, sr, length)
    # A small room answers each beat; it also keeps the bed's crest factor sane.
    out += 0.2 * dsp.noise_burst(rng, length, sr, (300.0, 5000.0), 0.004, 0.12)
    return normalised(out)


def synth(req: SynthRequest) -> np.ndarray:
    """Alternating tick/tock variants at a precise rate, over a quiet room tone."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    hz = ticks_per_second(req.number("rate"))
    hardness = 0.5 + 0.5 * intensity
    size = rng.uniform(0.05, 0.2)
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    # Filtering the few variants instead of the whole bed: the same sound for a fraction of it.
    ticks = [dsp.filt(air, beat(rng, sr, size, hardness)) for _ in range(2)]
    tocks = [dsp.filt(air, beat(rng, sr, size + TOCK_SIZE, hardness)) for _ in range(2)]
    mono = np.zeros(n, np.float32)
    first = int(rng.integers(2))
    # Clockwork is precise: timing jitter is a fraction of a percent.
    for i, t in enumerate(event_times(rng, 1.0 / hz, n / sr, 0.002)):
        bank = ticks if (i + first) % 2 == 0 else tocks
        dsp.place(mono, bank[int(rng.integers(2))], int(t * sr), dsp.db(rng.normal(0.0, 0.5)))
    out = pan_stereo(mono, rng.uniform(-0.3, 0.3))
    # The room's quiet air, just loud enough that ticks stand <= 24 dB over the bed's RMS: a
    # sparser bed would be levelled by its peaks, not its loudness, and lose its intensity.
    ticks_rms, peak = dsp.rms_of(out), dsp.peak_of(out)
    crest = MAX_CREST - 6.0 * intensity  # a loud clock fills a lively room
    floor = max(np.sqrt(max((peak / crest) ** 2 - ticks_rms**2, 0.0)), 0.05 * ticks_rms)
    out += np.float32(floor) * room_tone(rng, n, sr, 0.15 * dsp.distance_cutoff(distance))
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="clock",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="A clock ticking: tick and tock alternating once a second, or faster.",
    tags=(
        "clock", "ticking", "tick", "tock", "tick tock", "ticking clock", "clock ticking",
        "grandfather clock", "wall clock", "pocket watch", "watch", "stopwatch", "metronome",
        "clockwork", "timer", "countdown", "escapement", "pendulum",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE),
    typical_duration_s=30.0,
)  # fmt: skip
