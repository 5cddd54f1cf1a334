"""Propeller plane: a light aircraft droning as it circles, propeller buzz over engine beat.

A propeller blade passing any point gives a pressure pulse (thickness and loading noise), so a
two-blade propeller at 2400 rpm buzzes at 80 Hz with harmonics to a kilohertz, loudest in the
propeller's plane; the direct-drive four-cylinder engine fires twice a revolution, the same rate,
its exhaust, through short unsilenced stacks, a barking pulse with combustion noise as loud as
the propeller. The plane circles a few hundred metres off,
so level, pitch (Doppler), the ground echo's comb and the air's dulling drift slowly and
periodically, which keeps the bed stationary over long times.
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

BLADES = 2
CYLINDERS = 4


def prop_rpm(intensity: float) -> float:
    """Cruise propeller speed: 2100 rpm throttled back .. 2700 rpm at full power."""
    return 2100.0 + 600.0 * intensity


def synth(req: SynthRequest) -> np.ndarray:
    """Propeller pulses + exhaust beat, emitted along a circle and heard on the ground."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    # Nothing here reaches past ~3 kHz once it has crossed a few hundred metres of air.
    k = dsp.low_rate_factor(rate, 16000)
    sr, n = rate // k, frames // k + 2
    radius = rng.uniform(0.8, 1.2) * (250.0 + 550.0 * distance)
    altitude = 150.0 + 500.0 * distance
    nearest = 80.0 + 900.0 * distance
    path = orbit(radius, 2 * np.pi * radius / rng.uniform(45.0, 60.0), altitude,
                 (nearest + radius, 0.0), rng.uniform(0, 2 * np.pi))  # fmt: skip
    geom = geometry(path, n, sr, max_range_m=2 * radius + nearest + altitude + 200.0)
    m = geom.source_frames(sr)
    rev_hz = prop_rpm(intensity) / 60.0 * (1.0 + 0.004 * dsp.slow_noise(rng, m, sr, 0.3))
    # Propeller: narrow pulses (tips near Mach 0.8 make them sharp, ~3 % of a blade passage,
    # so the buzz keeps its harmonics to a kilohertz and more), a blade a little off.
    prop = blade_pulses(rng, rev_hz * BLADES, sr, 0.0004, BLADES, 0.08)
    prop = dsp.filt(dsp.cascade(dsp.highpass(40.0, sr), dsp.lowpass(3000.0, sr)), prop)
    # Exhaust: a pulse per firing, each combustion different, with a rasp of gas noise.
    beat = blade_pulses(rng, rev_hz * CYLINDERS / 2.0, sr, 0.0025, CYLINDERS, 0.15)
    rasp = dsp.filt(dsp.bandpass(300.0, 3000.0, sr), dsp.white(rng, m)) * np.maximum(beat, 0.0)
    engine = beat / np.float32(dsp.rms_of(beat) + 1e-9) + rasp / np.float32(
        dsp.rms_of(rasp) + 1e-9
    ) * np.float32(0.5)
    prop_lobe = geom.curve(lobe(geom.heading_cos, 100.0, 45.0, 0.35), sr)
    # A light aircraft's short, unsilenced exhaust stacks bark as loud as the propeller buzzes.
    source = prop * prop_lobe / np.float32(dsp.rms_of(prop) + 1e-9) + engine
    wind = dsp.filt(dsp.bandpass(200.0, 2500.0, sr), dsp.white(rng, m))  # airframe rush
    source += wind * np.float32(0.4 * (1.0 - 0.8 * distance) / (dsp.rms_of(wind) + 1e-9))
    heard = hear(source, sr, geom, n)
    # The typical range grows with the distance: beyond the geometry's own absorption, a
    # far-off drone keeps only its low buzz.
    air = dsp.lowpass(min(0.3 * dsp.distance_cutoff(distance), 0.45 * sr), sr)
    out = dsp.upsample_stereo(np.ascontiguousarray(dsp.filt(air, heard, axis=0).T), k, frames)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="propeller_plane",
    family="vehicles",
    kind=EventKind.AMBIENCE,
    description="A propeller plane droning overhead as it circles: prop buzz over the engine beat.",
    tags=(
        "propeller plane", "propeller", "prop plane", "light aircraft", "small plane",
        "cessna", "biplane", "crop duster", "seaplane", "bush plane", "warplane", "bomber",
        "spitfire", "plane droning", "droning plane", "plane circling", "airscrew",
        "single engine plane", "prop aircraft",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=20.0,
)  # fmt: skip
