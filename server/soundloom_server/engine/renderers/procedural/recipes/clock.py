"""Clock: an escapement ticking, tick and tock alternating, each a tiny modal click in a case.

Each beat is an escape-wheel tooth striking a pallet (a small, high, heavily damped steel
click) followed a few milliseconds later by the drop onto the other pallet, both answered by a
short ring of the wooden case. Tick and tock differ in pitch because the two pallets are not
identical. A few variants play round-robin over a quiet room.
"""

from __future__ import annotations

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

RATE = ParamSpec("rate", 0.0, doc="Beats: 0 one tick a second (a clock) .. 1 four a second")
TOCK_RATIO = 0.86  # the other pallet is a little larger: the tock sits ~15 % lower
MAX_CREST = 22.0  # ticks stand up to ~27 dB over the bed's RMS: a quiet room between beats


def ticks_per_second(rate: float) -> float:
    """Beat rate in Hz for `rate` 0..1: 1 (a seconds clock) doubling twice up to 4."""
    return float(2.0 ** (2.0 * rate))


def click(rng: np.random.Generator, sr: int, length: int, pitch: float) -> dsp.Audio:
    """Steel on steel: a few high, quickly damped modes of the tiny pallet and wheel tooth."""
    freqs = pitch * rng.uniform(2500.0, 3200.0) * np.array([1.0, 1.47, 2.09, 2.83])
    freqs *= rng.uniform(0.97, 1.03, 4)
    t60 = rng.uniform(0.012, 0.03, 4)  # oiled and clamped in the movement: no ring
    return dsp.modal_ir(freqs, t60, rng.uniform(0.5, 1.0, 4), length, sr)


def case_ring(rng: np.random.Generator, sr: int, length: int, pitch: float) -> dsp.Audio:
    """The clock case answers each click: a few wooden box modes, short and soft."""
    freqs = pitch * rng.uniform(500.0, 700.0) * np.array([1.0, 1.9, 2.7, 4.1])
    freqs *= rng.uniform(0.95, 1.05, 4)
    return dsp.modal_ir(freqs, rng.uniform(0.08, 0.15, 4), [1.0, 0.6, 0.4, 0.25], length, sr)


def beat(rng: np.random.Generator, sr: int, pitch: float, hardness: float) -> dsp.Audio:
    """One escapement beat: the tooth's impact click, the drop click, the case's short ring."""
    length = int(0.12 * sr)
    out = click(rng, sr, length, pitch)
    # Unlocking, then the wheel drops onto the other pallet a few milliseconds later.
    drop = int(rng.uniform(0.006, 0.014) * sr)
    out[drop:] += rng.uniform(0.4, 0.7) * click(rng, sr, length - drop, pitch * 1.04)
    out += (0.4 + 0.2 * (1.0 - hardness)) * case_ring(rng, sr, length, pitch)
    # The impact itself: a sub-millisecond broadband snap before the modes take over.
    snap = dsp.noise_burst(rng, length, sr, (2000.0, 12000.0), 0.0001, 0.0006)
    out += np.float32(0.5 * hardness * dsp.peak_of(out)) * snap
    return normalised(out)


def synth(req: SynthRequest) -> np.ndarray:
    """Alternating tick/tock variants at a precise rate, over a quiet room tone."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    hz = ticks_per_second(req.number("rate"))
    hardness = 0.5 + 0.5 * intensity
    pitch = rng.uniform(0.85, 1.15)  # a small carriage clock ticks higher than a long-case one
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    # Filtering the few variants instead of the whole bed: the same sound for a fraction of it.
    ticks = [dsp.filt(air, beat(rng, sr, pitch, hardness)) for _ in range(2)]
    tocks = [dsp.filt(air, beat(rng, sr, pitch * TOCK_RATIO, hardness)) for _ in range(2)]
    mono = np.zeros(n, np.float32)
    first = int(rng.integers(2))
    # Clockwork is precise: timing jitter is a fraction of a percent.
    for i, t in enumerate(event_times(rng, 1.0 / hz, n / sr, 0.002)):
        bank = ticks if (i + first) % 2 == 0 else tocks
        dsp.place(mono, bank[int(rng.integers(2))], int(t * sr), dsp.db(rng.normal(0.0, 0.5)))
    out = pan_stereo(mono, rng.uniform(-0.3, 0.3))
    # The room's quiet air, just loud enough that ticks stand <= 27 dB over the bed's RMS: a
    # sparser bed would be levelled by its peaks, not its loudness, and lose its intensity.
    ticks_rms, peak = dsp.rms_of(out), dsp.peak_of(out)
    crest = MAX_CREST - 8.0 * intensity  # a loud clock fills a lively room
    floor = max(np.sqrt(max((peak / crest) ** 2 - ticks_rms**2, 0.0)), 0.05 * ticks_rms)
    # A quiet room's air, without the rumble of traffic or ventilation.
    air = room_tone(rng, n, sr, 0.3 * dsp.distance_cutoff(distance))
    out += np.float32(floor) * dsp.filt(dsp.highpass(250.0, sr), air)
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
