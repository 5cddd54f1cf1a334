"""Birds: a few species-like voices singing phrases of tonal FM notes (2-8 kHz) with gaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


@dataclass(frozen=True)
class _Species:
    """A song template: how many notes, how long, where each note's pitch starts and ends."""

    notes: tuple[int, int]
    note_s: tuple[float, float]
    gap_s: tuple[float, float]
    start_hz: tuple[float, float]
    end_ratio: tuple[float, float]  # end pitch / start pitch
    vibrato_hz: float
    vibrato_depth: float  # Hz
    harmonic: float  # level of the 2nd harmonic


_SPECIES = (
    _Species(
        (6, 14), (0.03, 0.05), (0.012, 0.03), (5000, 7000), (0.5, 0.65), 0.0, 0.0, 0.1
    ),  # trill
    _Species(
        (2, 5), (0.15, 0.32), (0.08, 0.2), (2200, 3500), (0.8, 1.3), 28.0, 120.0, 0.2
    ),  # whistle
    _Species((2, 6), (0.05, 0.09), (0.06, 0.12), (3000, 4000), (1.3, 1.7), 0.0, 0.0, 0.25),  # chirp
    _Species((3, 8), (0.02, 0.04), (0.04, 0.08), (2500, 3200), (2.0, 2.4), 0.0, 0.0, 0.05),  # tweet
)


def _air(rng: np.random.Generator, n: int, sr: int, distance: float) -> np.ndarray:
    """Leaves and air moving: band-limited noise breathing slowly, widened."""
    breath = np.clip(1.0 + 0.4 * dsp.slow_noise(rng, n, sr, 0.15), 0.3, None)
    shape = dsp.cascade(
        dsp.bandpass(250.0, 5000.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr)
    )
    air = dsp.filt(shape, dsp.white(rng, n) * breath.astype(np.float32))
    return dsp.widen(air, sr, delay_s=0.017)


def synth(req: SynthRequest) -> np.ndarray:
    """Each voice: Poisson-spaced phrases; each note a closed-form FM sweep; notes as grains."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    duration = n / sr
    starts, lengths, f_a, f_b, vib_hz, vib_depth, harm, gain_l, gain_r = ([] for _ in range(9))
    voices = 2 + round(3 * intensity)
    for _ in range(voices):
        species = _SPECIES[int(rng.integers(len(_SPECIES)))]
        pitch = rng.uniform(0.9, 1.1)  # each bird of a species sings a little higher or lower
        gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9))
        level = rng.uniform(0.4, 1.0)
        phrase_rate = 0.08 + 0.3 * intensity  # phrases per second per bird
        t = rng.uniform(0.0, 1.0 / phrase_rate)
        while t < duration:
            for _ in range(int(rng.integers(species.notes[0], species.notes[1] + 1))):
                length = rng.uniform(*species.note_s)
                start_hz = rng.uniform(*species.start_hz) * pitch
                starts.append(int(t * sr))
                lengths.append(int(length * sr))
                f_a.append(start_hz)
                f_b.append(start_hz * rng.uniform(*species.end_ratio))
                vib_hz.append(species.vibrato_hz)
                vib_depth.append(species.vibrato_depth)
                harm.append(species.harmonic)
                note_level = level * rng.uniform(0.6, 1.0)
                gain_l.append(gl * note_level)
                gain_r.append(gr * note_level)
                t += length + rng.uniform(*species.gap_s)
            t += rng.exponential(1.0 / phrase_rate) + 0.3
    out = _air(rng, n, sr, distance)
    if not starts:
        return dsp.fit_rms(out, 0.1 * dsp.bed_rms(intensity, distance))

    grains = dsp.Grains(starts, lengths, n)
    sec = grains.t / np.float32(sr)
    span = grains.per_grain(np.asarray(lengths) / sr)
    fa, fb = grains.per_grain(f_a), grains.per_grain(f_b)
    vr = grains.per_grain(vib_hz)
    # Closed-form phase of f(t) = fa + (fb - fa) t / T + depth sin(2 pi vr t): no cumsum needed.
    two_pi = np.float32(2.0 * np.pi)
    phase = two_pi * (fa * sec + (fb - fa) * sec * sec / (2.0 * span))
    phase += grains.per_grain(np.asarray(vib_depth) / np.maximum(vib_hz, 1e-3)) * (
        1.0 - np.cos(two_pi * vr * sec)
    )
    shape = np.sin(np.float32(np.pi) * sec / span)
    values = shape * shape * (np.sin(phase) + grains.per_grain(harm) * np.sin(2.0 * phase))
    # Air absorption at each note's mean pitch (a first-order low-pass magnitude).
    mean_hz = 0.5 * (np.asarray(f_a) + np.asarray(f_b))
    air = 1.0 / np.sqrt(1.0 + (mean_hz / dsp.distance_cutoff(distance)) ** 2)
    song = grains.scatter(values, np.asarray(gain_l) * air, np.asarray(gain_r) * air)
    # The air sits ~20 dB under the song: a bed never drops to digital silence between phrases.
    song += out * np.float32(0.1 * dsp.rms_of(song) / (dsp.rms_of(out) + 1e-12))
    return dsp.fit_rms(song, dsp.bed_rms(intensity, distance), peak_limit=0.95)


RECIPE = Recipe(
    name="birds",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Songbirds: several species-like voices singing chirps, trills and whistles.",
    tags=(
        "birds",
        "bird",
        "birdsong",
        "bird song",
        "birdsongs",
        "songbirds",
        "songbird",
        "chirping",
        "chirp",
        "chirps",
        "tweet",
        "tweeting",
        "twitter",
        "twittering",
        "warbling",
        "warble",
        "dawn chorus",
        "morning birds",
        "forest birds",
        "singing birds",
        "sparrows",
        "robin",
        "blackbird",
        "thrush",
        "finch",
        "wren",
        "nightingale",
        "chirping birds",
        "birdcall",
        "bird calls",
        "aviary",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
