"""Train horn or whistle: a diesel's air-horn chord, or a steam locomotive's chime whistle.

A locomotive air horn is several bells (chimes), each a diaphragm driven by compressed air into a
flared trumpet: a reedy, harmonic-rich tone that takes ~0.1 s to speak and sags as the air
pressure drops. Five chimes tuned to a bright minor-sixth chord (like the Nathan K5LA, ~D#4 F#4
G#4 B4 D#5) is the American sound. A steam whistle is a set of organ-pipe-like chambers: nearly
sine tones with breathy steam noise, sliding up to pitch as the valve opens and down as it
closes. Both sound from far off, with an echo from the landscape.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import (
    oscillator,
    phase_cycles,
    wavetable,
)
from soundloom_server.engine.renderers.procedural.recipes._music import hall, note_hz
from soundloom_server.engine.renderers.procedural.recipes.car_horn import horn_wave

TYPE = ParamSpec(
    "type", "horn", choices=("horn", "whistle"), doc="diesel air horn or steam whistle"
)
HORN_CHORD = (-6, -3, -1, 2, 6)  # semitones from A4: D#4 F#4 G#4 B4 D#5
WHISTLE_CHORD = (-2, 2, 5)  # a three-chime steam whistle: G4 B4 D5


def blasts(rng: np.random.Generator, span: float) -> list[tuple[float, float]]:
    """(start, length) of each blast: a long one, or the crossing signal long-long-short-long."""
    if span < 2.5 or rng.random() < 0.5:
        return [(0.05, max(0.1, min(span - 0.6, rng.uniform(1.5, 2.5))))]
    unit = min(0.9, span / 5.0)
    return [
        (0.05, unit),
        (unit * 1.3, unit),
        (unit * 2.6, unit * 0.35),
        (unit * 3.2, min(unit * 1.5, span - unit * 3.2 - 0.4)),
    ]


def air_horn(rng: np.random.Generator, sr: int, seconds: float) -> dsp.Audio:
    """All chimes of the air horn for one blast."""
    n = int(seconds * sr)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    env = (1.0 - np.exp(-t / 0.06)) * np.clip((seconds - t) / 0.12, 0.0, 1.0)
    out = np.zeros(n, np.float32)
    for semis in HORN_CHORD:
        f = note_hz(semis) * 2.0 ** (rng.normal(0.0, 6.0) / 1200.0)
        # The diaphragm slaps the nozzle every cycle (a pulse wave), its pitch sagging with
        # the air pressure and wavering as the turbulent flow does: irregularly, each chime on
        # its own (a regular, shared waver is a reed organ's vibrato, an accordion's).
        waver = dsp.slow_noise(rng, n, sr, 6.0)
        sag = 1.0 - 0.01 * t / max(seconds, 0.1) + 0.004 * waver
        out += horn_wave(phase_cycles(f * sag, sr) + rng.uniform(), rng.uniform(0.3, 0.45))
    # At full pressure the trumpets' air columns steepen the wave: a blaring, rough chord.
    out = np.tanh(0.6 * out * env).astype(np.float32)
    valve = dsp.filt(dsp.bandpass(2000.0, 8000.0, sr), dsp.white(rng, n)) * env * np.float32(0.05)
    trumpet = dsp.cascade(
        dsp.highpass(250.0, sr), dsp.peak(1200.0, 1.0, 5.0, sr), dsp.lowpass(5000.0, sr)
    )
    return dsp.filt(trumpet, out + valve)


def steam_whistle(rng: np.random.Generator, sr: int, seconds: float) -> dsp.Audio:
    """Chambers of a chime whistle sliding into pitch, with steam hiss."""
    n = int(seconds * sr)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    opening = 1.0 - np.exp(-t / 0.12)
    closing = np.clip((seconds - t) / 0.25, 0.0, 1.0)
    env = opening * closing
    out = np.zeros(n, np.float32)
    for semis in WHISTLE_CHORD:
        f = note_hz(semis) * 2.0 ** (rng.normal(0.0, 10.0) / 1200.0)
        # Pressure sets the pitch: it slides up as the valve opens and down as it shuts.
        inst = f * (0.9 + 0.1 * env) * (1.0 + 0.003 * dsp.slow_noise(rng, n, sr, 6.0))
        table = wavetable([1.0, 0.25, 0.12, 0.05], size=8192)
        out += oscillator(table, inst, sr, n, rng.uniform())
    hiss = dsp.filt(dsp.bandpass(1500.0, 9000.0, sr), dsp.white(rng, n))
    out = out * env + np.float32(0.15) * hiss * env**0.5 * np.float32(
        dsp.rms_of(out) / (dsp.rms_of(hiss) + 1e-9)
    )
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """The blasts, an echo off the land, then air and level for the distance."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    voice = steam_whistle if req.word("type") == "whistle" else air_horn
    mono = np.zeros(n, np.float32)
    for start, length in blasts(rng, n / sr):
        if length > 0.05 and start < n / sr:
            dsp.place(mono, voice(rng, sr, length), int(start * sr))
    out = hall(rng, mono, sr, 1.5 + 1.5 * distance, 0.3 + 0.6 * distance)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.3)


RECIPE = Recipe(
    name="train_horn",
    family="vehicles",
    kind=EventKind.SFX,
    description="A train horn or whistle: a diesel's blaring air-horn chord or a steam whistle.",
    tags=(
        "train horn", "train whistle", "locomotive horn", "locomotive whistle", "steam whistle",
        "air horn", "diesel horn", "train sounds its horn", "train blows its whistle",
        "whistle blows", "level crossing horn", "freight train horn", "choo choo",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, TYPE),
    typical_duration_s=3.0,
)  # fmt: skip
