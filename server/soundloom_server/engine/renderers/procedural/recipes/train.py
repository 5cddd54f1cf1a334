"""Train: wheels clattering over rail joints in their rhythm, over rolling roar and engine rumble.

Jointed track has a gap every ~18-25 m. Each car rides on two bogies of two axles (axles ~2.5 m
apart, bogies ~17 m apart), so every joint is struck by a car's four wheelsets in a pattern
heard as "da-dum ... da-dum": two quick hits, a longer gap, two more, repeating once per rail
length at the train's speed; nearer cars are louder, further ones blur into the clatter. The
coaches differ in length (21-25 m), so successive cars strike each joint at uneven offsets
rather than one even pulse train (a rotor's beat). Each hit is a steel wheel dropping onto the
rail end: a short metallic clank over a thump of the car body, heard by a passenger in the
first car through the floor and body, which pass the knock and the clank's low modes but soak
up what is above ~2 kHz. Under it, rolling noise (wheel and rail roughness, ~0.5-2 kHz) filling
the car, and far ahead the locomotive's diesel (firing harmonics of a slow, big engine), faint.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

AXLES_M = (0.0, 2.5, 17.0, 19.5)  # wheelset positions along one car
CAR_M = (21.0, 25.0)  # coach lengths, couplers included: stock of several builds


def speed_mps(intensity: float) -> float:
    """Running speed: a slow freight ~40 km/h .. an express ~120 km/h."""
    return 11.0 + 22.0 * intensity


def joint_hits(
    rng: np.random.Generator, seconds: float, speed: float, rail_m: float, cars: int
) -> tuple[np.ndarray, np.ndarray]:
    """(times s, level) of every wheelset of `cars` cars crossing every joint."""
    times, levels = [], []
    joints = np.arange(-3, int(seconds * speed / rail_m) + 3) * rail_m
    lengths = rng.uniform(*CAR_M, cars)
    for car in range(cars):  # the listener rides in car 0; the others are further away
        offset = float(lengths[:car].sum())
        level = 1.0 / (1.0 + 0.7 * car)
        for axle in AXLES_M:
            t = (joints + offset + axle) / speed
            times.append(t)
            levels.append(level * rng.uniform(0.6, 1.0, t.shape[0]))
    t = np.concatenate(times) + rng.normal(0.0, 0.002, sum(a.shape[0] for a in times))
    return t, np.concatenate(levels)


def _engine(rng: np.random.Generator, m: int, sr: int) -> dsp.Audio:
    """A big diesel at ~800 rpm: 12 cylinders fire 80 times a second, heard through the car."""
    rpm = rng.uniform(700.0, 900.0) * (1.0 + 0.01 * dsp.slow_noise(rng, m, sr, 0.3))
    phase = phase_cycles(rpm / 60.0 * 6.0, sr) + rng.uniform()
    frac = (phase % 1.0).astype(np.float32)
    pulses = np.exp(np.float32(-5.0) * frac) * (1.0 + 0.15 * dsp.slow_noise(rng, m, sr, 30.0))
    return dsp.filt(dsp.cascade(dsp.highpass(25.0, sr), dsp.lowpass(300.0, sr, order=2)), pulses)


def synth(req: SynthRequest) -> np.ndarray:
    """Clatter rhythm (one clank per hit) + rolling roar + rumble + a faint engine, at 24 kHz."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(rate, 24000)
    sr, m = rate // k, frames // k + 2
    speed = speed_mps(intensity) * rng.uniform(0.92, 1.08)
    times, levels = joint_hits(rng, m / sr, speed, rng.uniform(18.0, 25.0), 6)
    starts = (times * sr).astype(np.int64)
    keep = (starts >= 0) & (starts < m)
    hits = dsp.impulses(m, starts[keep], levels[keep])
    # A wheel dropping onto a rail end: a hard steel-on-steel clack, the rail's and wheel's
    # high modes choked within ~15 ms by the load on them...
    clank = strike(rng, MATERIALS["metal"], 0.3, 0.9, sr, int(0.25 * sr))
    clank *= np.exp(-np.arange(clank.shape[0]) / (0.015 * sr)).astype(np.float32)
    # ...and the suspension passing the knock into the car body (a low thump).
    thump = dsp.noise_burst(rng, clank.shape[0], sr, (40.0, 250.0), 0.002, 0.03)
    clatter = dsp.convolve(hits, clank + np.float32(0.4) * thump, m)
    clatter = dsp.filt(dsp.lowpass(2000.0, sr), clatter)  # through the floor and the body
    clatter /= np.float32(dsp.rms_of(clatter) + 1e-9)
    # Rolling noise: wheel and rail roughness, a band around the wheels' and rails' modes.
    rolling = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(200.0, 2500.0, sr, order=2)), dsp.white(rng, m)
    )
    rolling *= np.float32(1.0) + np.float32(0.2) * dsp.slow_noise(rng, m, sr, 2.0)
    rumble = dsp.filt(
        dsp.cascade(dsp.brown_sos(sr, 30.0), dsp.lowpass(200.0, sr)), dsp.white(rng, m)
    )
    engine = _engine(rng, m, sr)
    parts = ((clatter, 1.0), (rolling, 0.85 + 0.3 * intensity), (rumble, 0.5), (engine, 0.1))
    mono = sum(p * np.float32(g / (dsp.rms_of(p) + 1e-9)) for p, g in parts)
    mono = dsp.filt(dsp.lowpass(min(dsp.distance_cutoff(distance), 0.45 * sr), sr), mono)
    out = dsp.widen(dsp.upsample(mono, k, frames), rate, width=0.5)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="train",
    family="vehicles",
    kind=EventKind.AMBIENCE,
    description="A train running: wheels clattering over rail joints above a rumbling roar.",
    tags=(
        "train", "trains", "railway", "railroad", "rail", "locomotive", "freight train",
        "passenger train", "steam train", "diesel train", "goods train", "clickety clack",
        "clackety clack", "on the train", "train carriage", "railway carriage", "train ride",
        "rolling stock", "tracks", "subway", "metro", "underground train", "tram",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
