"""Engine: a combustion engine idling or revving, its firing pulses through the exhaust.

A four-stroke engine fires each cylinder once every two revolutions, so the exhaust gets
rpm * cylinders / 120 pulses a second. Each pulse is a sharp pressure rise decaying through the
cycle; cylinders differ slightly (half-order rumble) and each combustion varies. The exhaust
pipe and muffler resonances colour the pulse train (Farnell's engine model, much simplified).
All of it is below ~2 kHz, so it is built at a low rate.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles

ACTION = ParamSpec("action", "idle", choices=("idle", "rev"), doc="idle, or rev up and back")


def cylinders(size: float) -> int:
    """Cylinder count: a small four, a six, or a big V8."""
    return 4 if size < 0.4 else 6 if size < 0.75 else 8


def idle_rpm(size: float) -> float:
    """Nominal idle speed: big engines idle lower."""
    return 900.0 - 250.0 * size


def firing_hz(rpm: float, cyl: int) -> float:
    """Exhaust pulses per second of a four-stroke engine."""
    return rpm * cyl / 120.0


def rpm_curve(
    rng: np.random.Generator, m: int, low_sr: int, idle: float, rev: bool, intensity: float
) -> np.ndarray:
    """Engine speed over time: a steady idle, or throttle blips up to a few thousand rpm."""
    wobble = 1.0 + 0.008 * dsp.slow_noise(rng, m, low_sr, 0.7, control_rate=100)
    rpm = idle * wobble
    if not rev:
        return rpm
    top = idle + (2000.0 + 3000.0 * intensity) * rng.uniform(0.8, 1.1)
    t = np.arange(m) / low_sr
    at = rng.uniform(-1.0, 0.5)
    while at < t[-1]:
        rise, fall = rng.uniform(0.4, 0.9), rng.uniform(0.8, 1.6)
        local = t - at
        # Throttle snaps open (a fast rise), then the engine coasts back down to idle.
        up = np.clip(local / rise, 0.0, 1.0) ** 0.6
        down = np.exp(-np.clip(local - rise, 0.0, None) / (0.35 * fall))
        rpm = rpm + (top - idle) * rng.uniform(0.6, 1.0) * np.where(local > 0.0, up * down, 0.0)
        at += rise + fall + rng.uniform(0.8, 2.5)
    return rpm


def synth(req: SynthRequest) -> np.ndarray:
    """Firing-pulse waveform indexed by the crank phase, through exhaust and muffler filters."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    cyl = cylinders(size)
    idle = idle_rpm(size) * rng.uniform(0.97, 1.03)
    rpm = rpm_curve(rng, m, low_sr, idle, req.word("action") == "rev", intensity)
    phase = phase_cycles(rpm * cyl / 120.0, low_sr) + rng.uniform()
    firing = phase.astype(np.int64)
    frac = (phase - firing).astype(np.float32)
    # Per-cylinder imbalance repeats every cycle; per-combustion variation does not.
    balance = rng.uniform(0.9, 1.1, cyl)
    combustion = 1.0 + 0.07 * rng.standard_normal(int(firing[-1]) + 1)
    amp = (balance[firing % cyl] * combustion[firing]).astype(np.float32)
    # Load: the pulses grow with rpm (more throttle, more gas).
    amp *= np.sqrt(rpm / idle).astype(np.float32)
    pulses = amp * np.exp(np.float32(-7.0) * frac)
    clatter = dsp.white(rng, m) * pulses * np.exp(np.float32(-30.0) * frac)
    scale = 1.25 - 0.5 * size  # longer pipes, lower resonances
    exhaust = dsp.cascade(
        dsp.highpass(20.0, low_sr),
        dsp.peak(85.0 * scale, 2.5, 9.0, low_sr),
        dsp.peak(210.0 * scale, 3.5, 8.0, low_sr),
        dsp.peak(480.0 * scale, 4.0, 6.0, low_sr),
        dsp.lowpass(900.0 + 600.0 * intensity, low_sr, order=2),
        dsp.lowpass(dsp.distance_cutoff(distance) / 3.0, low_sr),
    )
    mono = dsp.filt(exhaust, pulses)
    # Valve train and injector tick: a little high clatter on each firing.
    rattle = dsp.filt(dsp.bandpass(1200.0, 3500.0, low_sr), clatter)
    mono += np.float32(0.15 * (1.0 - 0.7 * distance)) * rattle
    out = dsp.widen(dsp.upsample(mono, k, n), sr, width=0.4)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="engine",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="A combustion engine idling or revving: car, truck or motorbike motor rumble.",
    tags=(
        "engine", "motor", "engine idle", "idling", "idling engine", "engine running",
        "revving", "rev", "revs", "engine revving", "car engine", "truck engine",
        "motorbike", "motorcycle", "diesel", "v8", "exhaust", "running engine",
        "tractor", "engine noise",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, ACTION),
    typical_duration_s=20.0,
)  # fmt: skip
