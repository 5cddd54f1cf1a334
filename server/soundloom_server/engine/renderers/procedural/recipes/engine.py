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


def throttle_load(rpm: np.ndarray, idle: float, low_sr: int) -> np.ndarray:
    """Engine load 0..1: high while the revs climb (throttle open), low when coasting or idling."""
    # Only an open throttle accelerates the crank, so the rise rate says how hard it is pushed.
    climb = np.gradient(rpm) * low_sr / (4000.0 * idle / 800.0)
    smooth = dsp.filt(dsp.lowpass(8.0, low_sr, order=1), np.clip(climb, 0.0, 1.0))
    high = np.clip((rpm / idle - 1.0) / 4.0, 0.0, 1.0)  # a spinning engine still draws gas
    return np.clip(0.1 + 0.6 * smooth + 0.4 * high, 0.0, 1.0).astype(np.float32)


def firing_stream(
    rng: np.random.Generator, rpm: np.ndarray, low_sr: int, cyl: int, idle: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(firing index, phase within the firing 0..1, per-firing strength) over the buffer."""
    # The crank speeds up at each power stroke and drags through compression: the firing
    # interval varies by a percent or two from one combustion to the next.
    jitter = 1.0 + 0.012 * rng.standard_normal(rpm.shape[0] // max(1, low_sr // 400) + 2)
    jitter = np.repeat(jitter, max(1, low_sr // 400))[: rpm.shape[0]]
    phase = phase_cycles(rpm * cyl / 120.0 * jitter, low_sr) + rng.uniform()
    firing = phase.astype(np.int64)
    frac = (phase - firing).astype(np.float32)
    # Per-cylinder imbalance repeats every cycle (half-order rumble); each combustion also
    # burns a different charge (cycle-to-cycle variation of 10-20 % in real engines).
    balance = rng.uniform(0.9, 1.1, cyl)
    combustion = np.clip(1.0 + 0.18 * rng.standard_normal(int(firing[-1]) + 1), 0.3, 1.8)
    # Load: more throttle, more gas in each charge.
    amp = balance[firing % cyl] * combustion[firing] * np.sqrt(rpm / idle)
    return firing, frac, amp.astype(np.float32)


def exhaust_pipe_ir(rng: np.random.Generator, low_sr: int, size: float) -> np.ndarray:
    """A tail pipe's impulse response: echoes every round trip, each darker and weaker."""
    length_m = rng.uniform(1.6, 2.4) * (0.8 + 0.6 * size)  # bigger vehicles, longer pipes
    trip = max(2, round(2.0 * length_m / 343.0 * low_sr))
    ir = np.zeros(trip * 10 + 1)
    ir[::trip] = (-0.55) ** np.arange(11)  # the open end reflects inverted
    ir[0] = 1.0
    # Losses at the walls and the open end grow with frequency: smear each echo.
    return dsp.filt(dsp.lowpass(700.0, low_sr, order=1), ir).astype(np.float32)


def valve_train(
    rng: np.random.Generator, firing: np.ndarray, frac: np.ndarray, amp: np.ndarray, low_sr: int
) -> np.ndarray:
    """The block's mechanical noise (unit RMS): combustion knock and valve ticks ringing it."""
    m = firing.shape[0]
    onsets = np.flatnonzero(np.diff(firing) > 0) + 1
    # Each combustion knocks the block; between firings, valves seat (the "sewing machine"
    # ticking of an idle): a few ticks per firing interval, loosely timed.
    if onsets.size == 0:
        return np.zeros(m, np.float32)
    period = np.diff(onsets, append=onsets[-1] + 1).astype(np.float64)
    knocks = dsp.impulses(m, onsets, amp[onsets] * rng.uniform(0.6, 1.0, onsets.shape[0]))
    at = np.asarray([0.3, 0.55, 0.8])
    ticks = onsets[:, None] + period[:, None] * (at + rng.normal(0, 0.03, (onsets.size, 3)))
    ticks = np.clip(ticks.astype(np.int64).ravel(), 0, m - 1)
    hits = knocks + dsp.impulses(m, ticks, 0.35 * rng.uniform(0.3, 1.0, ticks.shape[0]))
    # Each hit is a millisecond of broadband rattle: the block is too damped to ring a pitch.
    r = float(np.exp(-1.0 / (0.0015 * low_sr)))
    env = dsp.filt(np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]]), hits)
    ring = dsp.filt(dsp.bandpass(1000.0, 5000.0, low_sr), env * dsp.white(rng, m))
    hiss = dsp.filt(dsp.bandpass(800.0, 5000.0, low_sr), dsp.white(rng, m))  # fans, belts
    ring *= np.float32(1.0 / (dsp.rms_of(ring) + 1e-9))
    return ring + np.float32(0.5) * hiss / np.float32(dsp.rms_of(hiss) + 1e-9)


def engine_sound(
    rng: np.random.Generator,
    rpm: np.ndarray,
    low_sr: int,
    size: float,
    intensity: float,
    distance: float,
) -> dsp.Audio:
    """The engine heard from outside at `low_sr`: exhaust through pipe and muffler, plus block."""
    m = rpm.shape[0]
    cyl = cylinders(size)
    idle = float(np.min(rpm))
    firing, frac, amp = firing_stream(rng, rpm, low_sr, cyl, idle)
    load = throttle_load(rpm, idle, low_sr)
    amp *= 0.6 + 1.4 * load  # an open throttle fills each cylinder: louder firings
    # Each exhaust valve opening releases a pressure step that decays through the stroke...
    pulses = amp * np.exp(np.float32(-6.0) * frac)
    # ...and a turbulent gas blast gated by each firing (the "chuff"), which grows with the
    # gas flow: faint at idle, a roar under load.
    blast = dsp.white(rng, m) * amp * np.exp(np.float32(-12.0) * frac) * (0.75 + 1.5 * load)
    blast = dsp.filt(dsp.bandpass(150.0, 2500.0, low_sr), blast)
    source = pulses + blast
    scale = 1.25 - 0.5 * size  # larger mufflers, lower chambers
    muffler = dsp.cascade(
        dsp.highpass(25.0, low_sr),
        dsp.peak(rng.uniform(70.0, 100.0) * scale, 2.0, 8.0, low_sr),
        dsp.peak(rng.uniform(180.0, 240.0) * scale, 3.0, 5.0, low_sr),
        dsp.lowpass(1000.0 + 1200.0 * intensity, low_sr, order=2),
        dsp.lowpass(dsp.distance_cutoff(distance) / 3.0, low_sr),
    )
    mono = dsp.filt(muffler, dsp.convolve(source, exhaust_pipe_ir(rng, low_sr, size), m))
    mono += valve_train(rng, firing, frac, amp, low_sr) * np.float32(
        0.14 * (1.0 - 0.7 * distance) * (1.2 - 0.7 * size) * dsp.rms_of(mono)
    )
    return mono


def synth(req: SynthRequest) -> np.ndarray:
    """Combustion pulses and their turbulent blast through a pipe and a muffler, plus clatter."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    idle = idle_rpm(size) * rng.uniform(0.97, 1.03)
    rpm = rpm_curve(rng, m, low_sr, idle, req.word("action") == "rev", intensity)
    mono = engine_sound(rng, rpm, low_sr, size, intensity, distance)
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
