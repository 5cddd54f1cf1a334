"""Siren: an emergency siren's tone sweeping up and down, a slow wail or a fast yelp.

An electronic siren drives a horn speaker with a square-ish tone whose pitch sweeps between
~600 and ~1500 Hz: a wail rises over ~2 s and falls over ~3 s; a yelp sweeps ~3 times a second.
The tone is read from a band-limited wavetable along a cumulative-sum phase, then shaped by the
horn's band-pass response.
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

ACTION = ParamSpec("action", "wail", choices=("wail", "yelp"), doc="Slow wail or fast yelp")
LOW_HZ, HIGH_HZ = 600.0, 1500.0
SWEEP_HZ = {"wail": 0.2, "yelp": 3.0}
RISE = {"wail": 0.4, "yelp": 0.5}  # share of each sweep spent rising


def sweep_shape(u: np.ndarray, rise: float) -> np.ndarray:
    """0..1 pitch position over the sweep cycle `u` (0..1): a smooth rise, then a fall."""
    up = np.sin(0.5 * np.pi * np.clip(u / rise, 0.0, 1.0))
    down = np.cos(0.5 * np.pi * np.clip((u - rise) / (1.0 - rise), 0.0, 1.0))
    return np.where(u < rise, up, down) ** 1.5


def synth(req: SynthRequest) -> np.ndarray:
    """A swept square-ish tone through a horn response, slightly off-centre and a little wide."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    action = req.word("action")
    # The sweep is computed at a control rate; it is far below audio frequencies.
    ctrl = dsp.low_rate_factor(sr, 1000)
    c = n // ctrl + 2
    rate = SWEEP_HZ[action] * rng.uniform(0.93, 1.07)
    u = (phase_cycles(np.full(c, rate), sr // ctrl) + rng.uniform()) % 1.0
    freq = LOW_HZ + (HIGH_HZ - LOW_HZ) * sweep_shape(u, RISE[action])
    freq = dsp.upsample(freq * rng.uniform(0.97, 1.03), ctrl, n)
    # Odd harmonics (square-ish) plus a little even content; the top partial stays under
    # Nyquist at the top of the sweep.
    count = int(0.45 * sr / HIGH_HZ)
    ks = np.arange(1, count + 1)
    amps = np.where(ks % 2 == 1, 1.0, 0.15) / ks ** (1.3 - 0.4 * intensity)
    tone = oscillator(wavetable(amps), freq, sr, n)
    horn = dsp.cascade(
        dsp.bandpass(450.0, 5000.0, sr),
        dsp.peak(1100.0, 1.5, 6.0, sr),
        dsp.lowpass(dsp.distance_cutoff(distance), sr),
    )
    mono = dsp.filt(horn, tone)
    out = dsp.widen(mono, sr, width=0.25 + 0.5 * distance)  # far: more of it is reflections
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="siren",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="An emergency siren wailing or yelping: police car, ambulance or fire engine.",
    tags=(
        "siren", "sirens", "wail", "wailing", "wailing siren", "yelp", "police siren",
        "police car", "ambulance", "fire engine", "fire truck", "emergency vehicle",
        "emergency", "air raid", "air raid siren", "civil defence", "nee naw",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, ACTION),
    typical_duration_s=15.0,
)  # fmt: skip
