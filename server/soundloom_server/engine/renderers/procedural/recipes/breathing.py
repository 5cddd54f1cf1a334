"""Breathing: inhale and exhale cycles of turbulent air shaped by the vocal tract's formants.

Breath noise is aspiration: turbulence at the glottis and lips filtered by the tract, so it is
noise through a few broad formants, and its strength grows faster than the airflow (turbulent
noise: amplitude ~ flow^1.5). The airflow follows the mechanics of a breath: inhaling is
muscular, a smooth rise and fall; exhaling is the lungs' elastic recoil, a quick onset into an
exponential decay (time constant ~0.4 s), then the end-of-breath pause, almost silent. Inhaling
is brighter and a little higher (the air is pulled fast through an open tract); exhaling is
duller.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox
from soundloom_server.engine.renderers.procedural.recipes._machines import phase_cycles

RATE = ParamSpec("rate", 0.5, doc="Breaths: 0 12 a minute (calm) .. 1 20 a minute (winded)")
# Shares of one cycle: inhale, then exhale; the remainder is the pause before the next breath.
INHALE, EXHALE = 0.36, 0.5
RECOIL = 0.18  # the passive exhale's decay, as a share of one cycle (~0.4 s at 16 a minute)


def breaths_per_minute(rate: float) -> float:
    """Breathing rate for `rate` 0..1: 12 to 20 breaths a minute."""
    return 12.0 + 8.0 * rate


def inhale_flow(u: np.ndarray, length: float) -> np.ndarray:
    """Muscular inflow over cycle position `u`: a smooth rise and fall, peaking past the middle."""
    x = np.clip(u / length, 0.0, 1.0)
    warped = np.where(x < 0.6, 0.5 * x / 0.6, 0.5 + 0.5 * (x - 0.6) / 0.4)
    return np.sin(np.pi * warped) ** 2


def exhale_flow(u: np.ndarray, start: float, length: float) -> np.ndarray:
    """Elastic recoil: a ~60 ms onset into an exponential decay, closed off at `length`."""
    t = u - start
    onset = np.clip(t / 0.015, 0.0, 1.0) ** 2
    close = np.clip((length - t) / 0.05, 0.0, 1.0)
    return np.where(t < 0.0, 0.0, onset * np.exp(-np.maximum(t, 0.0) / RECOIL) * close)


def aspirated_tract(
    rng: np.random.Generator,
    flow: np.ndarray,
    sr: int,
    formants: np.ndarray,
    turbulence_hz: float,
) -> dsp.Audio:
    """Aspiration under `flow` through a still vocal tract (`formants`), radiated at the lips."""
    noise = vox.aspiration(
        rng, np.zeros(flow.shape[0]), flow, sr, pulsed=0.0, corner_hz=turbulence_hz
    )
    # An open glottis couples the lungs to the tract: its resonances lose energy, so they are
    # about twice as wide as in voicing.
    bw = 2.0 * np.asarray(vox.BANDWIDTHS)
    f = formants[None, :]
    # The tract barely moves within a breath: one block of formants covers the whole buffer.
    blocks = np.repeat(f, -(-flow.shape[0] // vox.BLOCK), axis=0)
    return vox.radiate(vox.tract(noise, blocks, sr, bw))


def synth(req: SynthRequest) -> np.ndarray:
    """Inhale and exhale airflow curves -> aspiration through the tract, in a quiet room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    hz = breaths_per_minute(req.number("rate")) / 60.0
    # Breaths are not metronomic: the period wanders by ~10 %, the depth by ~20 %.
    wander = 1.0 + 0.1 * dsp.drift(rng, n, sr, 0.05)
    u = (phase_cycles(hz * np.clip(wander, 0.6, 1.4), sr) + rng.uniform()) % 1.0
    depth = np.clip(1.0 + 0.2 * dsp.drift(rng, n, sr, 0.1), 0.5, 1.5)
    # Turbulent noise grows as flow^1.5: the breath's loud core is short, its edges soft.
    inhale = (inhale_flow(u, INHALE) * depth) ** 1.5
    exhale = (0.9 * exhale_flow(u, INHALE + 0.02, EXHALE) * depth) ** 1.5
    # Harder breathing (intensity) pulls the air faster: brighter turbulence, a wider mouth.
    scale = vox.TRACT_SCALE[("man", "woman")[int(rng.integers(2))]] * rng.uniform(0.95, 1.05)
    mono = aspirated_tract(rng, inhale, sr, vox.vowel("ae", scale), 900.0 + 900.0 * intensity)
    mono += np.float32(0.8) * aspirated_tract(
        rng, exhale, sr, vox.vowel("uh", scale), 400.0 + 400.0 * intensity
    )
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), mono)
    # A quiet room's own air under the breaths (a bed never drops to digital silence).
    floor = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.lowpass(800.0, sr)), dsp.white(rng, n))
    mono += np.float32(0.03 * dsp.rms_of(mono) / (dsp.rms_of(floor) + 1e-12)) * floor
    out = dsp.widen(mono, sr, width=0.3)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="breathing",
    family="people",
    kind=EventKind.AMBIENCE,
    description="Someone breathing: slow inhale and exhale cycles of breath noise.",
    tags=(
        "breathing", "breath", "breaths", "breathe", "breathes", "inhale", "exhale",
        "inhaling", "exhaling", "panting", "heavy breathing", "sighing", "sigh", "respiration",
        "out of breath", "gasping", "wheezing",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE),
    typical_duration_s=20.0,
)  # fmt: skip
