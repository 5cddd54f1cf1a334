"""Drum roll: a snare's buzz roll swelling, ended by a rim accent and a cymbal crash.

A snare drum is a membrane (modes 1, 1.59, 2.14, 2.30, 2.65, 2.92 ... of the fundamental,
~180-220 Hz) over snare wires that rattle against the lower head on every stroke: a bright,
noisy buzz that follows the head's motion. A roll is alternating sticks ~16-24 strokes a second,
each stick bouncing (a double stroke), rising from soft to loud; the last stroke is accented and
a crash cymbal (a dense inharmonic shimmer decaying over seconds) answers it.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._music import hall

DRUM = ParamSpec("drum", "snare", choices=("snare", "timpani"), doc="snare roll or timpani roll")
MEMBRANE = (1.0, 1.59, 2.14, 2.30, 2.65, 2.92, 3.16, 3.50)


def snare_stroke(rng: np.random.Generator, sr: int, f0: float) -> dsp.Audio:
    """One stick stroke: the head's modes ringing briefly and the wires' buzz."""
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    ratios = np.asarray(MEMBRANE) * rng.uniform(0.98, 1.02, len(MEMBRANE))
    head = dsp.modal_ir(f0 * ratios, 0.25 * ratios**-0.5, 1.0 / ratios, n, sr)
    head /= np.float32(dsp.peak_of(head) + 1e-9)
    wires = dsp.filt(dsp.bandpass(2000.0, 9000.0, sr), dsp.white(rng, n))
    wires *= np.exp(-t / 0.05).astype(np.float32) / np.float32(dsp.peak_of(wires) + 1e-9)
    stick = dsp.noise_burst(rng, n, sr, (3000.0, 12000.0), 0.0002, 0.002)
    return np.float32(0.6) * head + wires + np.float32(0.4) * stick


def crash(rng: np.random.Generator, sr: int, seconds: float) -> dsp.Audio:
    """A crash cymbal: bright noise through a few hundred ragged modes, long decay (peak 1)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    shimmer = dsp.filt(
        dsp.cascade(dsp.highpass(3000.0, sr), dsp.peak(5000.0, 1.0, 6.0, sr)), dsp.white(rng, n)
    )
    env = np.exp(-t / (0.25 * seconds)).astype(np.float32) * np.clip(t / 0.002, 0, 1).astype(
        np.float32
    )
    out = shimmer * env
    return out / np.float32(dsp.peak_of(out) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """Double strokes alternating hands, a crescendo, the accent and the crash."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    span = n / sr
    end = max(0.05, span - min(1.2, 0.4 * span))
    timpani = req.word("drum") == "timpani"
    rate = rng.uniform(8.0, 11.0)  # hand motions a second; each bounces twice
    times = np.arange(0.02, end, 1.0 / rate)
    times = np.concatenate([times, times + rng.uniform(0.035, 0.045)]) + rng.normal(
        0, 0.003, 2 * times.shape[0]
    )
    times = np.sort(times[times < end])
    f0 = rng.uniform(170.0, 220.0) * (0.35 if timpani else 1.0)
    strokes = [snare_stroke(rng, sr, f0) for _ in range(4)]  # a few variants, round-robin
    out = np.zeros(n, np.float32)
    for i, at in enumerate(times):
        level = (0.2 + 0.8 * (at / end) ** 1.5) * rng.uniform(0.8, 1.0)
        stroke = strokes[i % 4]
        if timpani:
            stroke = dsp.filt(dsp.lowpass(900.0, sr), stroke)
        dsp.place(out, stroke, int(at * sr), level)
    dsp.place(out, strokes[0], int(end * sr), 1.6)
    if not timpani:
        dsp.place(out, crash(rng, sr, 2.0), int(end * sr), 1.2)
    stereo = hall(rng, out, sr, 1.2, 0.25 + 0.4 * distance)
    return dsp.finish_one_shot(stereo, sr, intensity, distance, 0.3)


RECIPE = Recipe(
    name="drum_roll",
    family="music",
    kind=EventKind.SFX,
    description="A drum roll: a snare buzz roll building to an accent and a cymbal crash.",
    tags=(
        "drum roll", "drumroll", "snare roll", "snare drum", "roll of drums", "timpani roll",
        "drums", "drumming", "rimshot", "ta da", "tada", "cymbal crash", "reveal",
        "announcement drum roll",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, DRUM),
    typical_duration_s=3.0,
)  # fmt: skip
