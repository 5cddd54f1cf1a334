"""Force field: a humming energy barrier: a throbbing electric drive buzz, with bright crackle.

There is no physical referent; games mean an electrical installation under load: a clipped
drive tone with a rattle each cycle (built like a ballast buzz), throbbing and swelling, with
arcs crackling across the field.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes.electric_buzz import core_hum, rattle


def _hum(rng: np.random.Generator, n: int, sr: int, intensity: float) -> dsp.Audio:
    """The field's electric hum: a clipped, phase-locked drive tone with a per-cycle rattle."""
    # Not mains-locked: the emitter's own drive, low and throbbing as the field's load shifts.
    drive_hz = rng.uniform(70.0, 110.0)
    tone = core_hum(rng, n, sr, drive_hz, 0.3 + 0.5 * intensity)
    buzz = rattle(rng, n, sr, drive_hz)
    throb = 1.0 + 0.3 * np.sin(2 * np.pi * rng.uniform(2.0, 5.0) * np.arange(n) / sr)
    swell = np.clip(1.0 + 0.25 * dsp.slow_noise(rng, n, sr, 0.3), 0.4, 1.6)
    mono = (tone + np.float32(0.15 + 0.15 * intensity) * buzz) * (throb * swell).astype("f4")
    return dsp.widen(dsp.filt(dsp.highpass(40.0, sr), mono), sr, width=0.6)


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
    out = _hum(rng, n, sr, intensity)
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
    description="A humming energy field: a throbbing electric buzz with crackling arcs.",
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
