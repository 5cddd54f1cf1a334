"""Breathing: inhale and exhale cycles of turbulent air shaped by the vocal tract's formants.

Breath noise is aspiration: turbulence at the glottis and lips filtered by the tract, so it is
noise through a few broad formants. Inhaling is shorter, brighter and a little higher (the tract
is open and the air is pulled fast); exhaling is longer, softer and duller, followed by a pause.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles

RATE = ParamSpec("rate", 0.5, doc="Breaths: 0 12 a minute (calm) .. 1 20 a minute (winded)")
# Shares of one cycle: inhale, then exhale; the remainder is the pause before the next breath.
INHALE, EXHALE = 0.38, 0.5


def breaths_per_minute(rate: float) -> float:
    """Breathing rate for `rate` 0..1: 12 to 20 breaths a minute."""
    return 12.0 + 8.0 * rate


def _swell(u: np.ndarray, start: float, length: float, skew: float) -> np.ndarray:
    """A breath's airflow over cycle position `u`: a smooth rise and fall, peaking at `skew`."""
    x = np.clip((u - start) / length, 0.0, 1.0)
    warped = np.where(x < skew, 0.5 * x / skew, 0.5 + 0.5 * (x - skew) / (1.0 - skew))
    return np.sin(np.pi * warped) ** 2


def synth(req: SynthRequest) -> np.ndarray:
    """Two formant-filtered noise layers (in, out) under airflow envelopes with slow variation."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 16000)
    low_sr, m = sr // k, n // k + 2
    hz = breaths_per_minute(req.number("rate")) / 60.0
    # Breaths are not metronomic: the period wanders by ~10 %.
    wander = 1.0 + 0.1 * dsp.slow_noise(rng, m, low_sr, 0.05, control_rate=50)
    u = (phase_cycles(hz * np.clip(wander, 0.6, 1.4), low_sr) + rng.uniform()) % 1.0
    depth = np.clip(1.0 + 0.2 * dsp.slow_noise(rng, m, low_sr, 0.1, control_rate=50), 0.5, 1.5)
    inhale = (_swell(u, 0.0, INHALE, 0.55) * depth).astype(np.float32)
    exhale = (0.8 * _swell(u, INHALE + 0.02, EXHALE, 0.3) * depth).astype(np.float32)
    # Harder breathing (intensity) is louder, brighter and more open.
    tilt = 1.0 + 0.6 * intensity
    f1 = rng.uniform(0.9, 1.1)
    air = dsp.lowpass(dsp.distance_cutoff(distance), low_sr)
    voice_in = dsp.cascade(
        dsp.bandpass(250.0, 6000.0 * tilt, low_sr),
        dsp.peak(600.0 * f1, 2.0, 8.0, low_sr),
        dsp.peak(1700.0 * f1, 3.0, 9.0, low_sr),
        dsp.peak(2800.0 * f1, 4.0, 6.0, low_sr),
        air,
    )
    voice_out = dsp.cascade(
        dsp.bandpass(150.0, 3500.0 * tilt, low_sr),
        dsp.peak(500.0 * f1, 2.0, 8.0, low_sr),
        dsp.peak(1400.0 * f1, 3.0, 6.0, low_sr),
        air,
    )
    mono = dsp.filt(voice_in, dsp.white(rng, m) * inhale)
    mono += np.float32(0.8) * dsp.filt(voice_out, dsp.white(rng, m) * exhale)
    # The room's own air under the breaths (a bed never drops to silence).
    floor = dsp.filt(dsp.cascade(dsp.pink_sos(), air), dsp.white(rng, m))
    mono += np.float32(0.15 * dsp.rms_of(mono) / (dsp.rms_of(floor) + 1e-12)) * floor
    out = dsp.widen(dsp.upsample(mono, k, n), sr, width=0.3)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="breathing",
    family="people",
    kind=EventKind.AMBIENCE,
    description="Someone breathing: slow inhale and exhale cycles of breath noise.",
    tags=(
        "breathing", "breath", "breaths", "breathe", "breathes", "inhale", "exhale",
        "inhaling", "exhaling", "panting", "heavy breathing", "sighing", "sigh", "respiration",
        "out of breath", "gasping", "wheezing", "snoring", "asleep", "sleeping",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE),
    typical_duration_s=20.0,
)  # fmt: skip
