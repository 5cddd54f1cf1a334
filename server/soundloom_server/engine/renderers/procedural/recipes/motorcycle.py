"""Motorcycle: a V-twin's loping potato-potato or a sport four's scream, idling, revving, riding.

A 45-degree V-twin fires its two cylinders 405 and 315 crank degrees apart, so the exhaust beats
long-short once every two revolutions: the lope heard at idle. An inline four fires evenly every
180 degrees and revs three times higher. Each firing is a pressure pulse and a blast of gas noise
down a short, open pipe (little muffling: its quarter-wave resonance rings), plus valve and chain
clatter. Riding climbs through the gears: revs rise under load, drop at each shift, and after the
top gear the rider rolls off and starts again.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest

ACTION = ParamSpec(
    "action", "ride", choices=("idle", "rev", "ride"), doc="idle, rev (throttle blips) or ride"
)
STYLE = ParamSpec(
    "style", "sport", choices=("cruiser", "sport"), doc="cruiser (V-twin) or sport (inline four)"
)
# Crank angles (degrees within the 720-degree cycle) at which each cylinder fires.
FIRING_DEG = {"cruiser": (0.0, 405.0), "sport": (0.0, 180.0, 360.0, 540.0)}
IDLE_RPM = {"cruiser": 950.0, "sport": 1300.0}
REDLINE_RPM = {"cruiser": 5200.0, "sport": 12500.0}


def _rpm(
    rng: np.random.Generator, m: int, sr: int, style: str, action: str, intensity: float
) -> np.ndarray:
    """Engine speed over time for the action."""
    idle, top = IDLE_RPM[style], REDLINE_RPM[style]
    t = np.arange(m) / sr
    # A big twin's idle hunts: combustion is uneven at low revs.
    rpm = idle * (1.0 + 0.02 * dsp.slow_noise(rng, m, sr, 1.5, control_rate=100))
    if action == "rev":
        at = rng.uniform(-0.5, 0.8)
        while at < t[-1]:
            local = t - at
            peak = idle + (top - idle) * rng.uniform(0.35, 0.6) * (0.6 + 0.4 * intensity)
            rise = rng.uniform(0.25, 0.5)
            blip = np.where(
                local > 0,
                np.clip(local / rise, 0, 1) ** 0.7 * np.exp(-np.clip(local - rise, 0, None) / 0.45),
                0.0,
            )
            rpm = rpm + (peak - idle) * blip
            at += rise + rng.uniform(1.2, 2.6)
    elif action == "ride":
        cycle = np.zeros(0)
        while cycle.shape[0] < m:  # gear runs until the buffer is covered
            run = [np.full(int(rng.uniform(0.3, 0.8) * sr), idle * 1.3)]
            for gear in range(4):
                length = int((0.9 + 0.45 * gear) * rng.uniform(0.9, 1.1) * sr)
                low = 0.45 * top if gear else idle * 1.3
                # Revs climb more slowly in the taller gears; a shift drops them at once.
                run.append(
                    low + (0.8 * top - low) * np.linspace(0, 1, length) ** (0.8 + 0.2 * gear)
                )
            run.append(
                0.8 * top * np.exp(-np.arange(int(2.0 * sr)) / (0.9 * sr))
                + idle * 1.3 * (1 - np.exp(-np.arange(int(2.0 * sr)) / (0.9 * sr)))
            )
            cycle = np.concatenate([cycle, *run])
        smooth = dsp.filt(dsp.lowpass(6.0, sr, order=1), cycle[:m] - cycle[0]) + cycle[0]
        rpm = rpm / idle * smooth * (0.7 + 0.3 * intensity) + idle * (0.3 - 0.3 * intensity)
    return np.asarray(rpm, dtype=np.float64)


def _firings(
    rng: np.random.Generator, rpm: np.ndarray, sr: int, style: str
) -> tuple[np.ndarray, np.ndarray]:
    """(pulse train, per-sample firing strength): exhaust pressure pulses at the firing angles."""
    m = rpm.shape[0]
    cycle = np.cumsum(rpm / 60.0 / 2.0 / sr) + rng.uniform()  # 720-degree cycles
    angles = np.asarray(FIRING_DEG[style]) / 720.0
    pulse = np.zeros(m, np.float32)
    blast = np.zeros(m, np.float32)
    for k, start in enumerate(angles):  # a cylinder at a time
        local = cycle - start
        index = np.floor(local).astype(np.int64)
        frac = (local - index).astype(np.float32)
        count = int(index[-1] - index[0]) + 2
        # Each combustion burns a different charge; a cylinder is a little off its twin.
        strength = np.clip(1.0 + 0.15 * rng.standard_normal(count), 0.4, 1.6) * (1.0 + 0.08 * k)
        each = strength[index - index[0]].astype(np.float32)
        # The pressure step decays over a quarter of the cycle; the gas blast is shorter.
        pulse += each * np.exp(np.float32(-7.0) * frac)
        blast += each * np.exp(np.float32(-16.0) * frac)
    return pulse - np.float32(pulse.mean()), blast


def _pipe_echoes(rng: np.random.Generator, sr: int, style: str) -> np.ndarray:
    """A short header pipe: each pulse echoes back every round trip, inverted and darker."""
    length_m = rng.uniform(0.9, 1.3) * (1.2 if style == "cruiser" else 1.0)
    trip = max(2, round(2.0 * length_m / 343.0 * sr))
    ir = np.zeros(trip * 8 + 1)
    ir[::trip] = (-0.6) ** np.arange(9)
    return dsp.filt(dsp.lowpass(1500.0, sr, order=1), ir).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Firing pulses and gas blasts through a short open pipe, plus clatter, at 24 kHz."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    style, action = req.word("style"), req.word("action")
    k = dsp.low_rate_factor(rate, 16000)
    sr, m = rate // k, frames // k + 2
    rpm = _rpm(rng, m, sr, style, action, intensity)
    pulse, blast = _firings(rng, rpm, sr, style)
    load = np.clip(rpm / IDLE_RPM[style] - 1.0, 0.0, 4.0) / 4.0
    # The gas roars more, and brighter, the more throttle there is: split the blast in two
    # bands and open the upper one with the load.
    white = dsp.white(rng, m)
    gas = dsp.filt(dsp.bandpass(120.0, 900.0, sr), white) * blast
    gas += (
        dsp.filt(dsp.bandpass(900.0, 4000.0, sr), white)
        * blast
        * (0.15 + 0.85 * load).astype(np.float32)
    )
    gas *= (0.4 + 1.6 * load).astype(np.float32)
    pipe_hz = rng.uniform(70.0, 95.0) if style == "cruiser" else rng.uniform(110.0, 140.0)
    pipe = dsp.cascade(
        dsp.highpass(30.0, sr),
        dsp.peak(pipe_hz, 1.5, 5.0, sr),
        dsp.peak(3.0 * pipe_hz, 2.0, 4.0, sr),  # an open pipe's odd quarter-wave modes
        dsp.lowpass(2500.0 + 2000.0 * intensity, sr),
        dsp.lowpass(min(dsp.distance_cutoff(distance), 0.45 * sr), sr),
    )
    mono = dsp.filt(
        pipe,
        pulse / np.float32(dsp.rms_of(pulse) + 1e-9)
        + gas / np.float32(dsp.rms_of(gas) + 1e-9) * np.float32(0.8),
    )
    # Valve ticks follow the firings; the primary chain and gears whirr all the time.
    clatter = dsp.filt(dsp.bandpass(1500.0, 6000.0, sr), dsp.white(rng, m)) * (0.5 + blast)
    mono += clatter * np.float32(
        0.1 * (1.0 - 0.7 * distance) * dsp.rms_of(mono) / (dsp.rms_of(clatter) + 1e-9)
    )
    out = dsp.widen(dsp.upsample(mono, k, frames), rate, width=0.35)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="motorcycle",
    family="vehicles",
    kind=EventKind.AMBIENCE,
    description="A motorcycle: a loping V-twin or a screaming sport bike idling, revving, riding.",
    tags=(
        "motorcycle", "motorbike", "motor bike", "bike engine", "harley", "v twin", "v-twin",
        "chopper bike", "sport bike", "superbike", "dirt bike", "moped", "scooter",
        "biker", "bikers", "motorcycle engine", "motorcycle revving", "motorcycle idling",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, ACTION, STYLE),
    typical_duration_s=20.0,
)  # fmt: skip
