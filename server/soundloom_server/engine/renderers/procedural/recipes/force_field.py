"""Force field: a humming energy barrier: detuned low tones beating slowly, with bright crackle."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _hum(rng: np.random.Generator, m: int, low_sr: int, intensity: float) -> np.ndarray:
    """(2, m) hum at a low rate: detuned partials per ear, softly saturated into a buzz."""
    t = np.arange(m) / low_sr
    base = rng.uniform(48.0, 62.0)
    # Slow wander of the whole field: pitch breathes by a fraction of a percent.
    wander = 1.0 + 0.004 * dsp.slow_noise(rng, m, low_sr, 0.3, control_rate=50)
    phase = 2.0 * np.pi * base * np.cumsum(wander) / low_sr
    swell = 1.0 + 0.35 * dsp.slow_noise(rng, m, low_sr, 0.2, control_rate=50)
    out = np.zeros((2, m))
    for ch in range(2):
        for k, gain in ((1, 1.0), (2, 0.6), (3, 0.35), (4, 0.2)):
            # Each ear's partial is detuned by ~0.3-1.5 Hz: slow beating that moves in space.
            beat = rng.uniform(0.3, 1.5) * rng.choice([-1.0, 1.0])
            out[ch] += gain * np.sin(k * phase + 2.0 * np.pi * beat * t + rng.uniform(0, 6.28))
        out[ch] = np.tanh((1.0 + intensity) * out[ch] * swell)
    sos = dsp.cascade(dsp.lowpass(600.0, low_sr, order=4), dsp.highpass(35.0, low_sr))
    return dsp.filt(sos, out, axis=1)


def _crackle(
    rng: np.random.Generator, n: int, sr: int, intensity: float, distance: float
) -> dsp.Audio:
    """Electric crackle: clusters of impulses (arcs) through a bright band, panned per arc."""
    rate = 4.0 + 14.0 * intensity
    arcs = dsp.poisson_times(rng, rate, n, sr)
    per = rng.integers(5, 30, arcs.shape[0])
    starts = np.repeat(arcs, per)
    # Each arc is a few milliseconds of irregular discharges.
    pos = np.clip(
        starts + (rng.exponential(0.006, starts.shape[0]) * sr).astype(np.int64), 0, n - 1
    )
    amp = rng.uniform(-1.0, 1.0, pos.shape[0]) * np.repeat(
        rng.uniform(0.2, 1.0, arcs.shape[0]), per
    )
    pan = np.repeat(rng.uniform(-0.8, 0.8, arcs.shape[0]), per)
    gl, gr = dsp.pan_gains(pan)
    out = np.zeros((n, 2), np.float32)
    np.add.at(out[:, 0], pos, (amp * gl).astype(np.float32))
    np.add.at(out[:, 1], pos, (amp * gr).astype(np.float32))
    # Air absorption goes in the same pass: the hum below 600 Hz is untouched by it anyway.
    sos = dsp.cascade(
        dsp.highpass(2500.0, sr, order=2),
        dsp.peak(5000.0, 2.0, 8.0, sr),
        dsp.lowpass(dsp.distance_cutoff(distance), sr),
    )
    return dsp.filt(sos, out, axis=0)


def synth(req: SynthRequest) -> np.ndarray:
    """Hum (rendered at ~6 kHz and upsampled) + crackle, muffled and quieter with distance."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 6000)
    low_sr, m = sr // k, n // k + 2
    hum = _hum(rng, m, low_sr, intensity).astype(np.float32)
    out = dsp.upsample_stereo(hum, k, n)
    out *= np.float32(1.0 / (dsp.rms_of(out) + 1e-9))
    crackle = _crackle(rng, n, sr, intensity, distance)
    # Scaled by peak, not RMS: the arcs are spiky and must not set the bed's crest factor.
    crackle_level = 3.0 * (1.0 - 0.7 * distance)
    out += crackle * np.float32(crackle_level / (dsp.peak_of(crackle) + 1e-9))
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="force_field",
    family="scifi",
    kind=EventKind.AMBIENCE,
    description="A humming energy field: detuned low tones beating slowly, with electric crackle.",
    tags=(
        "force field", "forcefield", "energy field", "energy shield", "shield hum",
        "energy barrier", "barrier hum", "plasma field", "containment field", "sci-fi hum",
        "electric hum", "electrical hum", "power hum", "generator hum", "reactor hum",
        "tesla coil", "electric crackle", "energy crackle", "humming energy",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=10.0,
)  # fmt: skip
