"""Footsteps: heel and toe contacts at a walking or running pace, voiced by the surface.

Like a game's footstep system, a few variations of each contact are synthesised per event and
played round-robin (never the same one twice in a row) with jittered timing and level, so a
long walk costs a handful of syntheses, not one per step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

VARIANTS = 4
RATE = ParamSpec("rate", 0.4, doc="Pace: 0 creeping (1.2 steps/s) .. 0.4 walking .. 1 running")


def _hard(kind: str) -> Callable[[np.random.Generator, float, float, int], dsp.Audio]:
    """A shoe on a hard floor: a soft contact ringing the floor's modes, plus a scuff."""

    def contact(rng: np.random.Generator, weight: float, hardness: float, sr: int) -> dsp.Audio:
        length = int(0.35 * sr) if kind != "metal" else int(0.7 * sr)
        # Planks and grates are big boomy plates; stone slabs barely ring.
        size = {"wood": 0.75, "metal": 0.55, "stone": 0.5}[kind] + 0.15 * (weight - 0.5)
        hit = strike(rng, MATERIALS[kind], size, 0.25 + 0.5 * hardness, sr, length)
        return hit + 0.25 * dsp.noise_burst(rng, length, sr, (1500, 8000), 0.002, 0.03, order=2)

    return contact


def _crunch(band: tuple[float, float], grains_per_s: float, span_s: float, q: float):
    """A loose surface: many tiny grain collisions whose density follows the weight transfer."""

    def contact(rng: np.random.Generator, weight: float, hardness: float, sr: int) -> dsp.Audio:
        length = int((span_s + 0.1) * sr)
        t = np.arange(length) / sr
        density = dsp.envelope_ad(t, 0.25 * span_s, 0.35 * span_s)
        positions = dsp.thin(
            rng, dsp.poisson_times(rng, grains_per_s * (0.6 + weight), length, sr), density
        )
        amps = rng.pareto(3.0, positions.shape[0]) + 0.2
        clicks = dsp.impulses(length, positions, amps * rng.choice([-1.0, 1.0], amps.shape[0]))
        centre = np.sqrt(band[0] * band[1]) * (1.2 - 0.4 * weight)
        tone = dsp.cascade(
            dsp.bandpass(*band, sr, order=1), dsp.peak(centre, q, 8.0, sr), dsp.lowpass(band[1], sr)
        )
        body = dsp.noise_burst(rng, length, sr, (60, 400), 0.005, 0.04, order=2)
        out = dsp.filt(tone, clicks)
        out *= np.float32(1.0 / (dsp.peak_of(out) + 1e-9))
        return out + np.float32(0.35 + 0.3 * weight) * body

    return contact


def _splash(rng: np.random.Generator, weight: float, hardness: float, sr: int) -> dsp.Audio:
    """A foot in shallow water: a splash of noise and a few rising Minnaert bubble chirps."""
    length = int(0.45 * sr)
    out = dsp.noise_burst(rng, length, sr, (300, 4000), 0.01, 0.06 + 0.06 * weight, order=2)
    t = np.arange(length) / sr
    for _ in range(int(rng.integers(3, 8))):
        start = rng.uniform(0.01, 0.15)
        f0 = rng.uniform(500.0, 1800.0)
        local = np.maximum(t - start, 0.0)
        # A bubble's pitch rises as it nears the surface.
        phase = 2 * np.pi * f0 * (local + 0.5 * rng.uniform(4.0, 12.0) * local**2)
        env = dsp.envelope_ad(t - start, 0.001, rng.uniform(0.01, 0.035))
        out += (rng.uniform(0.2, 0.5) * env * np.sin(phase)).astype(np.float32)
    return out


def _soft(swish: float) -> Callable[[np.random.Generator, float, float, int], dsp.Audio]:
    """Earth underfoot: a dull thud, with a swish of blades or litter when `swish` > 0."""

    def contact(rng: np.random.Generator, weight: float, hardness: float, sr: int) -> dsp.Audio:
        length = int(0.3 * sr)
        thud = strike(rng, MATERIALS["dirt"], 0.4 + 0.3 * weight, 0.3, sr, length)
        thud += dsp.noise_burst(rng, length, sr, (80, 700), 0.004, 0.03, order=2)
        if swish:
            thud += swish * dsp.noise_burst(rng, length, sr, (2500, 9000), 0.03, 0.08, order=2)
        return thud

    return contact


SURFACES: dict[str, Callable[[np.random.Generator, float, float, int], dsp.Audio]] = {
    "wood": _hard("wood"),
    "stone": _hard("stone"),
    "metal": _hard("metal"),
    "gravel": _crunch((900, 7000), 3500.0, 0.16, 2.0),
    "snow": _crunch((350, 3000), 2500.0, 0.28, 4.0),
    "leaves": _crunch((1800, 10000), 2000.0, 0.3, 1.5),
    "dirt": _soft(0.0),
    "grass": _soft(0.35),
    "water": _splash,
}
MATERIAL = ParamSpec(
    "material", "stone", choices=tuple(SURFACES), doc="Surface: " + ", ".join(SURFACES)
)


def step_times(rng: np.random.Generator, rate: float, duration: float) -> np.ndarray:
    """Heel-strike times (s): a steady pace with the small jitter of a real walker."""
    interval = 1.0 / (1.2 * 2.7**rate)
    count = max(1, int((duration - 0.25) / interval) + 1)
    times = 0.04 + interval * np.arange(count) + rng.normal(0.0, 0.03 * interval, count)
    return np.clip(times[times < max(duration - 0.2, 0.05)], 0.0, None)


def synth(req: SynthRequest) -> np.ndarray:
    """Heel then toe per step, round-robin variants, alternating feet slightly apart in pan."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, rate = req.number("intensity"), req.number("distance"), req.number("rate")
    contact = SURFACES[req.word("material")]
    heels = [contact(rng, intensity, 0.5 + 0.5 * rate, sr) for _ in range(VARIANTS)]
    toes = [contact(rng, 0.5 * intensity, 0.3, sr) for _ in range(VARIANTS)]
    # Running rolls heel to toe faster and lands harder on the toe.
    toe_gap, toe_level = 0.11 - 0.07 * rate, 0.35 + 0.3 * rate
    centre = rng.uniform(-0.2, 0.2)
    out = np.zeros((n, 2), np.float32)
    last = -1
    for i, t in enumerate(step_times(rng, rate, n / sr)):
        # Never the same variation twice in a row: draw from the others.
        pick = int(rng.integers(VARIANTS - 1)) if last >= 0 else int(rng.integers(VARIANTS))
        pick = pick + 1 if 0 <= last <= pick else pick
        last = pick
        foot = 1.0 if i % 2 else -1.0
        level = dsp.db(rng.normal(0.0, 1.5))
        for sound, offset, gain in (
            (heels[pick], 0.0, level),
            (toes[pick], toe_gap * rng.uniform(0.8, 1.2), level * toe_level),
        ):
            start = int((t + offset) * sr)
            end = min(n, start + sound.shape[0])
            if start >= end:
                continue
            gl, gr = dsp.pan_gains(centre + 0.06 * foot)
            out[start:end, 0] += sound[: end - start] * np.float32(gain * gl)
            out[start:end, 1] += sound[: end - start] * np.float32(gain * gr)
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out)
    dsp.fade_out(out, int(min(0.15, 0.1 * n / sr) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="footsteps",
    family="foley",
    kind=EventKind.SFX,
    description="Footsteps walking or running on wood, stone, metal, gravel, snow, leaves, "
    "dirt, grass or shallow water.",
    tags=(
        "footsteps", "footstep", "steps", "step", "walking", "walk", "walks", "running", "runs",
        "run", "pacing", "stomping", "stomp", "tread", "treading", "trudging", "trudge",
        "sneaking", "tiptoe", "tiptoeing", "jogging", "jog", "sprinting", "sprint",
        "march", "marching", "approach", "approaching footsteps", "boots", "feet", "shoes",
        "heels", "strides", "crunching", "walking on gravel", "splashing through puddles",
        "wading",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE, MATERIAL),
    typical_duration_s=5.0,
)  # fmt: skip
