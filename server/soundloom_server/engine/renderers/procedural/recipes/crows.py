"""Crows: harsh, noisy, harmonic-rich caws in groups of two to four, sparse, over moving air.

A caw is the syrinx slapping shut once a period (a narrow, harmonic-rich pulse) with period
doubling and pulse-locked noise, its period jittering from cycle to cycle as a hard-driven
voice does, filtered by the trachea and open bill (resonances near 1.3, 2.3 and 3.5 kHz, little
passed below the first). A few birds of a flock answer one another in runs of caws.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _calls(rng: np.random.Generator, duration: float, intensity: float) -> list[tuple]:
    """(start s, length s, f0 Hz, level, pan) per caw: each crow calls in runs of 2-4."""
    calls = []
    # A few birds of a flock call to one another, so a run of caws is rarely far away.
    for _ in range(2 + round(3 * intensity)):
        f0 = rng.uniform(420.0, 750.0)  # each bird's voice sits at its own pitch
        pan, level = rng.uniform(-0.9, 0.9), rng.uniform(0.5, 1.0)
        rate = 0.08 + 0.12 * intensity  # groups per second
        t = rng.uniform(0.0, 1.0 / rate) - 2.0  # start before 0: a bed can begin mid-group
        while t < duration:
            for _ in range(int(rng.integers(2, 5))):
                length = rng.uniform(0.3, 0.5)
                calls.append((t, length, f0 * rng.uniform(0.95, 1.05), level, pan))
                t += length + rng.uniform(0.12, 0.35)
            t += rng.exponential(1.0 / rate) + 0.5
    return [c for c in calls if c[0] + c[1] > 0.0 and c[0] < duration]


def synth(req: SynthRequest) -> np.ndarray:
    """Caws as grains: a rough pulse wave plus pulse-locked noise, formant-filtered in one pass."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    air_shape = dsp.cascade(
        dsp.bandpass(200.0, 4000.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr)
    )
    breath = np.clip(1.0 + 0.4 * dsp.slow_noise(rng, n, sr, 0.15), 0.3, None)
    air = dsp.widen(dsp.filt(air_shape, dsp.white(rng, n) * breath.astype(np.float32)), sr)
    calls = _calls(rng, n / sr, intensity)
    if not calls:
        return dsp.fit_rms(air, dsp.bed_rms(intensity, distance))

    start, length, f0, level, pan = (np.array(c) for c in zip(*calls, strict=True))
    first = (start * sr).astype(np.int64)
    skip = np.maximum(-first, 0)  # calls begun before the buffer: keep only their ends
    grains = dsp.Grains(first + skip, (length * sr).astype(np.int64) - skip, n)
    sec = (grains.t + grains.per_grain(skip)) / np.float32(sr)
    span = grains.per_grain(length)
    fa = grains.per_grain(f0)
    # Pitch: a quick rise into the caw and a sag at its end (the "aaw" droop).
    x = sec / span
    phase = np.float32(2.0 * np.pi) * fa * (sec + 0.08 * span * (1.0 - np.cos(np.pi * x)) / np.pi)
    x3 = x * x * x  # products, not powers: float32 ** is a slow pow() per sample
    phase -= np.float32(2.0 * np.pi * 0.05) * fa * span * x3
    # A syrinx driven this hard does not vibrate regularly: its period jitters from cycle to
    # cycle (a phase wandering ~0.3 rad at up to 80 Hz, a few per cent of the pitch), which
    # smears the upper harmonics into the caw's rasp instead of a clean, whistling stack.
    wander = dsp.filt(dsp.lowpass(80.0, sr), dsp.white(rng, n))
    phase += wander[grains.position] * np.float32(0.3 / (dsp.rms_of(wander) + 1e-9))
    # A narrow pulse wave (the syrinx slapping shut) is harmonic-rich; a half-rate component
    # (period doubling) and pulse-locked noise make the caw harsh and rough.
    half = np.maximum(np.cos(phase), 0.0)
    half *= half
    pulse = half * half * half - np.float32(5.0 / 32.0)  # cos^6 of the positive half, mean 0
    rough = 1.0 + 0.5 * np.cos(0.5 * phase + grains.per_grain(rng.uniform(0, 6.3, len(calls))))
    noise = dsp.white(rng, sec.shape[0]) * (0.35 + np.maximum(pulse, 0.0))
    env = np.sin(np.float32(np.pi) * np.minimum(x * 4.0, 1.0) * 0.5) * (1.0 - x3 * x)
    voice = env * rough * (pulse + 0.3 * noise)
    # Formants: the trachea and the open bill; the grains are filtered as one stream (each ends
    # near 0). Below the first resonance the tract passes little, so the fundamental (420-750
    # Hz) comes out weaker than the harmonics at 1-2 kHz, where a caw's energy peaks.
    formants = dsp.cascade(
        dsp.highpass(1000.0, sr),
        dsp.peak(1300.0 * rng.uniform(0.9, 1.1), 3.0, 10.0, sr),
        dsp.peak(2300.0 * rng.uniform(0.9, 1.1), 4.0, 8.0, sr),
        dsp.peak(3500.0, 4.0, 4.0, sr),
        dsp.lowpass(min(7000.0, dsp.distance_cutoff(distance)), sr),
    )
    voice = dsp.filt(formants, voice)
    gl, gr = dsp.pan_gains(pan)
    song = grains.scatter(voice, level * gl, level * gr)
    # The air sits ~16 dB under the calls: a bed never drops to silence between groups.
    song += air * np.float32(0.16 * dsp.rms_of(song) / (dsp.rms_of(air) + 1e-12))
    return dsp.fit_rms(song, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="crows",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Crows: harsh cawing calls in short runs from a few birds, sparse, over air.",
    tags=(
        "crows",
        "crow",
        "cawing",
        "caw",
        "caws",
        "caw caw",
        "crows cawing",
        "raven",
        "ravens",
        "rook",
        "rooks",
        "rookery",
        "jackdaw",
        "jackdaws",
        "magpie",
        "corvid",
        "corvids",
        "murder of crows",
        "croaking raven",
        "cawing crows",
        "crow calls",
        "graveyard crows",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
