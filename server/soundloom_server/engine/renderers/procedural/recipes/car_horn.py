"""Car horn: two electric horns a major third apart, each a buzzing diaphragm in a spiral horn.

An electric horn is a steel diaphragm pulled by an electromagnet whose contact breaks as it
moves: a relaxation oscillator slapping at ~400-500 Hz, so its wave is a clipped, pulse-like
buzz rich in harmonics, and on every swing the armature strikes the pole piece, a click of
broadband impact noise that fills the spectrum between the harmonics (the horn's rasp: it is a
buzzer, not an organ pipe). Cars carry a pair (a "high" and a "low" note, about a major third
apart, each a few cents off its ideal), whose mixture beats and roughens; each is loaded by a
short spiral horn that favours a band of ~1.5-3.5 kHz. The note takes ~15 ms to build and, at the
start, sags a little in pitch as the diaphragm's swing grows.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles

ACTION = ParamSpec(
    "action",
    "honk",
    choices=("honk", "double", "long"),
    doc="one honk, a double beep or a long blast",
)
# (start s, length s) of each press, by action.
PRESSES = {"honk": ((0.02, 0.55),), "double": ((0.02, 0.16), (0.26, 0.3)), "long": ((0.02, 1.6),)}
LOW_HZ = 415.0  # about G#4; the high horn sits a major third above


def horn_wave(phase: np.ndarray, duty: float) -> dsp.Audio:
    """A diaphragm slapping its stop: a soft-edged pulse wave (duty: share of the cycle open)."""
    frac = phase % 1.0
    return (np.tanh(8.0 * (np.cos(2 * np.pi * frac) - np.cos(np.pi * duty)))).astype(np.float32)


def armature_slam(rng: np.random.Generator, wave: dsp.Audio) -> dsp.Audio:
    """The armature striking the pole piece: impact noise on each rising edge of the wave."""
    edge = np.maximum(np.diff(wave, prepend=wave[0]), 0.0)
    return (edge / (edge.max() + 1e-9) * dsp.white(rng, wave.shape[0])).astype(np.float32)


def press(rng: np.random.Generator, sr: int, seconds: float, base_hz: float) -> dsp.Audio:
    """Both horns sounding for one press, with the build-up, pitch sag and release."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    env = np.clip(t / 0.015, 0.0, 1.0) * np.clip((seconds - t) / 0.02, 0.0, 1.0)
    out = np.zeros(n, np.float32)
    for ratio, level in ((1.0, 1.0), (1.26, 0.85)):  # low note, high note (a major third)
        f = base_hz * ratio * 2.0 ** (rng.normal(0.0, 8.0) / 1200.0)
        # Pitch sags ~3 % over the first 30 ms, then jitters as the contact arcs.
        inst = (
            f
            * (1.0 + 0.03 * np.exp(-t / 0.03))
            * (1.0 + 0.002 * rng.standard_normal(n).cumsum() / np.sqrt(n))
        )
        wave = horn_wave(phase_cycles(inst, sr) + rng.uniform(), rng.uniform(0.3, 0.4))
        out += np.float32(level) * (wave + armature_slam(rng, wave))
    return out * env.astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """The presses for the action through the spiral horns, then air and level."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    base = LOW_HZ * rng.uniform(0.9, 1.1)
    out = np.zeros(n, np.float32)
    span = n / sr
    for start, length in PRESSES[req.word("action")]:
        length = min(length * rng.uniform(0.9, 1.15), span - start - 0.05)
        if length > 0.02:
            dsp.place(out, press(rng, sr, length, base), int(start * sr))
    horn = dsp.cascade(
        dsp.highpass(350.0, sr, order=2),
        dsp.peak(rng.uniform(1800.0, 2600.0), 1.5, 8.0, sr),
        dsp.peak(rng.uniform(3200.0, 4000.0), 2.5, 4.0, sr),
        dsp.lowpass(7000.0, sr, order=2),
    )
    mono = dsp.filt(horn, out)
    gl, gr = dsp.pan_gains(rng.uniform(-0.3, 0.3))
    stereo = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    return dsp.finish_one_shot(stereo, sr, intensity, distance, fade_s=0.05)


RECIPE = Recipe(
    name="car_horn",
    family="vehicles",
    kind=EventKind.SFX,
    description="A car horn honking: a buzzing two-note beep, a double toot or a long blast.",
    tags=(
        "car horn", "horn", "honk", "honking", "honks", "beep beep", "toot", "hooter",
        "horn blast", "car honking", "taxi horn", "traffic honking", "blaring horn",
        "horn honks", "vehicle horn",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, ACTION),
    typical_duration_s=1.0,
)  # fmt: skip
