"""Snoring: a sleeper's slow breaths, each inhale rattled by the fluttering soft palate.

Snoring is an aeroelastic flutter: air pulled through a narrowed airway sets the soft palate and
uvula flapping once the flow is fast enough, 20-60 times a second, and each flap chops the
airflow like a slack second glottis. So the inhale is a low, irregular pulse train (a valve, not
a vocal fold: large jitter and shimmer, soft closures) plus the breath noise it chops, through
the vocal tract; it sets in only past a flow threshold, so a shallow breath may pass unsnored.
The exhale is the lungs' elastic recoil through a slack, half-open mouth. Sleep breathing is slow
(10-14 breaths a minute) and its depth drifts from breath to breath.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles
from soundloom_server.engine.renderers.procedural.recipes.breathing import (
    EXHALE,
    INHALE,
    aspirated_tract,
    exhale_flow,
    inhale_flow,
)

RATE = ParamSpec("rate", 0.5, doc="Breaths: 0 10 a minute (deep sleep) .. 1 14 a minute")
ONSET = 0.35  # share of a full breath's flow at which the palate starts to flutter
# The palate is a floppy valve: irregular from flap to flap, closing softly.
PALATE = vox.Source(jitter=0.08, shimmer=0.3, corner_hz=300.0, closing_hz=1500.0)


def breaths_per_minute(rate: float) -> float:
    """Sleep breathing rate for `rate` 0..1: 10 to 14 breaths a minute."""
    return 10.0 + 4.0 * rate


def synth(req: SynthRequest) -> np.ndarray:
    """Breath cycles -> palatal flutter pulses + chopped breath noise on the inhale, soft exhale."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    hz = breaths_per_minute(req.number("rate")) / 60.0
    wander = 1.0 + 0.08 * dsp.drift(rng, n, sr, 0.05)
    u = (phase_cycles(hz * np.clip(wander, 0.6, 1.4), sr) + rng.uniform(0.0, 0.3)) % 1.0
    # Each breath's depth drifts; louder snoring (intensity) is a deeper, more obstructed breath.
    depth = np.clip((0.9 + 0.3 * intensity) * (1.0 + 0.2 * dsp.drift(rng, n, sr, 0.08)), 0.4, 1.6)
    inhale = inhale_flow(u, INHALE) * depth
    exhale = 0.7 * exhale_flow(u, INHALE + 0.02, EXHALE) * depth
    # Flutter past the onset flow, growing with the flow; its rate rises a little with it.
    flutter = np.clip((inhale - ONSET) / (1.0 - ONSET), 0.0, None)
    palate_hz = rng.uniform(25.0, 50.0) * (1.0 + 0.15 * flutter)
    scale = vox.TRACT_SCALE[("man", "woman")[int(rng.integers(2))]] * rng.uniform(0.95, 1.05)
    formants = np.repeat(vox.vowel("uh", scale)[None, :], -(-n // vox.BLOCK), axis=0)
    snore = vox.voice(
        rng,
        sr,
        palate_hz,
        flutter,
        0.2 * inhale**1.5,
        formants,
        PALATE,
        1.5 * np.asarray(vox.BANDWIDTHS),
    )
    breath_out = aspirated_tract(rng, exhale**1.5, sr, vox.vowel("o", scale), 350.0)
    # The flaps' sharpest pressure peaks are rounded off (soft tissue, flow limitation in a
    # collapsing airway): a loud snore saturates instead of spiking.
    knee = np.float32(7.0 * dsp.rms_of(snore) + 1e-12)
    snore = np.tanh(snore / knee) * knee
    mono = snore / np.float32(dsp.peak_of(snore) + 1e-9)
    mono += np.float32(0.25) * breath_out / np.float32(dsp.peak_of(breath_out) + 1e-9)
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), mono)
    # A quiet bedroom's own air under the breaths (a bed never drops to digital silence).
    floor = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.lowpass(800.0, sr)), dsp.white(rng, n))
    mono += np.float32(0.06 * dsp.rms_of(mono) / (dsp.rms_of(floor) + 1e-12)) * floor
    out = dsp.widen(mono, sr, width=0.3)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="snoring",
    family="people",
    kind=EventKind.AMBIENCE,
    description="Someone snoring: slow sleeping breaths, each inhale a low fluttering rattle.",
    tags=(
        "snoring", "snore", "snores", "snorer", "asleep", "sleeping", "sleeper", "sleep",
        "fast asleep", "dozing", "napping", "sawing logs",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE),
    typical_duration_s=20.0,
)  # fmt: skip
