"""Helicopter: main-rotor blade slap, tail-rotor buzz and turbine whine, circling nearby.

Each main-rotor blade meets the vortex shed by the one before it (blade-vortex interaction), a
sharp low "wop" at the blade-passing rate: two blades at ~5 rev/s slap ~10 times a second, and a
blade a little out of track makes every other slap louder, so the rhythm also pulses with each
revolution (4-6 Hz). The tail rotor spins ~5x faster with four blades: a buzz near 100 Hz. The
turboshaft adds a compressor whine of a few kHz and an exhaust hiss. The aircraft circles a
couple of hundred metres away, heard through Doppler, spreading, ground echo and air.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._flight import (
    blade_pulses,
    geometry,
    hear,
    lobe,
    orbit,
)

MAIN_BLADES = 2
TAIL_BLADES = 4
TAIL_RATIO = 5.2  # tail-rotor revolutions per main-rotor revolution


def rotor_hz(intensity: float) -> float:
    """Main-rotor revolutions per second (a two-blade utility helicopter: ~300 rpm)."""
    return 4.6 + 0.8 * intensity


def _rotors(rng: np.random.Generator, m: int, sr: int, rev: np.ndarray, loud: float) -> dsp.Audio:
    """Main-rotor slaps + swish and the tail-rotor buzz, unit-ish level."""
    slap = blade_pulses(rng, rev * MAIN_BLADES, sr, 0.006 - 0.002 * loud, MAIN_BLADES, 0.25)
    slap = dsp.filt(dsp.cascade(dsp.highpass(35.0, sr), dsp.lowpass(900.0, sr)), slap)
    # Broadband rotor noise swells as each blade sweeps past (the "swish").
    swish_env = 0.4 + np.maximum(slap, 0.0) / np.float32(dsp.peak_of(slap) + 1e-9)
    swish = dsp.filt(dsp.bandpass(250.0, 2500.0, sr), dsp.white(rng, m)) * swish_env
    tail = blade_pulses(rng, rev * TAIL_RATIO * TAIL_BLADES, sr, 0.0008, TAIL_BLADES, 0.1)
    tail = dsp.filt(dsp.bandpass(80.0, 1500.0, sr), tail)
    parts = (slap, swish, tail)
    gains = (1.0, 0.35, 0.3)
    return sum(
        np.float32(g) * p / np.float32(dsp.rms_of(p) + 1e-9)
        for g, p in zip(gains, parts, strict=True)
    )


def _turbine(rng: np.random.Generator, m: int, sr: int) -> dsp.Audio:
    """The turboshaft: a compressor tone wandering a little, over an exhaust hiss."""
    t = np.arange(m) / sr
    whine_hz = rng.uniform(3500.0, 5500.0) * (1.0 + 0.003 * dsp.slow_noise(rng, m, sr, 0.5))
    whine = np.sin(2 * np.pi * np.cumsum(whine_hz) / sr).astype(np.float32)
    whine += np.float32(0.4) * np.sin(2 * np.pi * 0.5 * np.cumsum(whine_hz) / sr + t).astype(
        np.float32
    )
    hiss = dsp.filt(dsp.bandpass(1500.0, 8000.0, sr), dsp.white(rng, m))
    return np.float32(0.5) * whine + hiss / np.float32(dsp.rms_of(hiss) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """Rotor and turbine sources emitted along a slow circle, heard on the ground."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    radius = rng.uniform(120.0, 200.0)
    nearest = 60.0 + 700.0 * distance
    altitude = 60.0 + 200.0 * distance
    path = orbit(radius, 2 * np.pi * radius / rng.uniform(15.0, 25.0), altitude,
                 (nearest + radius, 0.0), rng.uniform(0, 2 * np.pi))  # fmt: skip
    geom = geometry(path, n, sr, max_range_m=2 * radius + nearest + altitude + 100.0)
    m = geom.source_frames(sr)
    rev = rotor_hz(intensity) * (1.0 + 0.003 * dsp.slow_noise(rng, m, sr, 0.2))
    rotors = _rotors(rng, m, sr, rev, intensity)
    # Blade slap beams forward and down; the turbine's whine is loudest from the side and aft.
    front = geom.curve(lobe(geom.heading_cos, 30.0, 70.0, 0.45), sr)
    side = geom.curve(lobe(geom.heading_cos, 110.0, 60.0, 0.3), sr)
    source = rotors * front + np.float32(0.25) * _turbine(rng, m, sr) * side
    out = hear(source, sr, geom, n, far_m=2000.0)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="helicopter",
    family="vehicles",
    kind=EventKind.AMBIENCE,
    description="A helicopter circling nearby: thudding rotor blades, tail rotor, turbine whine.",
    tags=(
        "helicopter", "helicopters", "chopper", "choppers", "heli", "rotor", "rotor blades",
        "chopper blades", "whirlybird", "gunship", "news chopper", "police helicopter",
        "air ambulance", "hovering helicopter", "helicopter overhead", "wop wop",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=20.0,
)  # fmt: skip
