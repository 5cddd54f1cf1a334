"""Machine hum: a motor or transformer's mains hum, a motor whine, and air moved by its fan.

Magnetostriction makes transformers and motor cores hum at twice the mains frequency (100 or
120 Hz) and its multiples, with some of the mains fundamental from unbalanced rotors; the
rotor's slots and the fan's blades add a higher whine; the fan blows broadband air whose level
flutters at the blade-pass rate. Everything is built at a low rate, the hum from a wavetable.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import (
    oscillator,
    phase_cycles,
    wavetable,
)

# The fan's air under the hum and whine: a humming machine's fan is a small one. Louder, its
# blade-rate flutter (15-35 Hz) over broadband air is a rotor's chop: a helicopter, an aircraft.
AIR = 0.15
MAINS = ParamSpec("mains", "50", choices=("50", "60"), doc="Mains frequency: 50 or 60 Hz")


def synth(req: SynthRequest) -> np.ndarray:
    """Mains harmonics, a drifting whine and fan air, mixed and spread a little."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    mains = float(req.word("mains"))
    # Even harmonics dominate (magnetostriction is at 2x mains); bigger machines hum lower down.
    amps = np.zeros(16)
    amps[0] = 0.35 + 0.3 * size
    amps[1::2] = rng.uniform(0.5, 1.0, 8) / np.arange(1, 9) ** (1.2 - 0.4 * intensity)
    amps[2::2] += rng.uniform(0.0, 0.15, 7)
    hum = oscillator(wavetable(amps, rng.uniform(0, 2 * np.pi, 16)), mains, low_sr, m)
    hum *= (1.0 + 0.1 * dsp.slow_noise(rng, m, low_sr, 0.3, control_rate=50)).astype(np.float32)
    # The whine drifts with load; a bigger motor whines lower.
    whine_hz = rng.uniform(500.0, 1200.0) * (1.4 - 0.8 * size)
    drift = 1.0 + 0.004 * dsp.slow_noise(rng, m, low_sr, 0.2, control_rate=50)
    whine = np.sin(2 * np.pi * phase_cycles(whine_hz * drift, low_sr)).astype(np.float32)
    blade_hz = rng.uniform(15.0, 35.0)
    flutter = 1.0 + 0.35 * np.sin(2 * np.pi * blade_hz * np.arange(m) / low_sr)
    air = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(80.0, 5000.0, low_sr)), dsp.white(rng, m)
    )
    air *= flutter.astype(np.float32) / np.float32(dsp.rms_of(air) + 1e-9)
    mono = hum + np.float32(0.12 + 0.1 * intensity) * whine + np.float32(AIR) * air
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance) / 2.0, low_sr), mono)
    out = dsp.widen(dsp.upsample(mono, k, n), sr, width=0.6)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="machine_hum",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="Machinery humming: a generator, transformer, motor or ventilation drone.",
    tags=(
        "hum", "humming", "machine hum", "machinery", "machine", "machines", "generator",
        "transformer", "motor hum", "drone", "droning", "ventilation", "air conditioning",
        "air conditioner", "hvac", "fan", "extractor fan", "server room", "refrigerator",
        "fridge hum", "power plant", "engine room", "pump", "turbine",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, MAINS),
    typical_duration_s=30.0,
)  # fmt: skip
