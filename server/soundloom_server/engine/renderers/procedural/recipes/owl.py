"""Owl: soft low hoots in "hoo-hoo-hooo" phrases from one or two owls, over gentle still air."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

# Phrase templates: (onset s, length s, pitch ratio, wobble depth) per hoot.
_PHRASES = (
    ((0.0, 0.28, 1.0, 0.0), (0.5, 0.25, 1.0, 0.0), (0.95, 0.75, 0.96, 0.02)),  # hoo-hoo-hooo
    ((0.0, 0.6, 1.0, 0.0), (1.6, 0.12, 1.04, 0.0), (1.8, 0.12, 1.04, 0.0), (2.0, 0.9, 1.0, 0.03)),
    ((0.0, 0.32, 1.0, 0.0), (0.45, 0.14, 1.05, 0.0), (0.62, 0.3, 1.0, 0.0), (1.1, 0.35, 0.97, 0.0)),
    ((0.0, 0.45, 1.0, 0.0), (0.8, 0.55, 0.95, 0.0)),  # hoo... hooo
)


def _hoots(rng: np.random.Generator, duration: float, intensity: float) -> list[tuple]:
    """(start s, length s, f0 Hz, wobble, level, pan) per hoot."""
    hoots = []
    for _ in range(1 + round(intensity)):
        f0, pan = rng.uniform(300.0, 480.0), rng.uniform(-0.8, 0.8)
        level = rng.uniform(0.6, 1.0)
        template = _PHRASES[int(rng.integers(len(_PHRASES)))]  # each owl keeps its call
        gap = 7.0 - 4.0 * intensity
        t = rng.uniform(-2.0, 1.0)
        while t < duration:
            for onset, length, ratio, wobble in template:
                hoots.append((t + onset, length, f0 * ratio, wobble, level, pan))
            t += template[-1][0] + template[-1][1] + gap * rng.uniform(0.6, 1.6)
    return [h for h in hoots if h[0] >= 0.0 and h[0] < duration]


def synth(req: SynthRequest) -> np.ndarray:
    """Hoots as grains at 12 kHz (nothing above ~2 kHz), breathy, plus the air under them."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    cut = dsp.distance_cutoff(distance)

    # Still air: slow-breathing low noise, each ear its own, dulled with distance.
    air_shape = dsp.cascade(dsp.bandpass(80.0, 0.15 * cut, low_sr), dsp.brown_sos(low_sr, 400.0))
    breath = np.clip(1.0 + 0.3 * dsp.slow_noise(rng, m, low_sr, 0.1, control_rate=50), 0.4, None)
    noise = dsp.white(rng, 2 * m).reshape(2, m) * breath.astype(np.float32)
    air = dsp.filt(air_shape, noise, axis=1).T.copy()
    hoots = _hoots(rng, m / low_sr, intensity)
    if not hoots:
        return dsp.fit_rms(dsp.upsample_polyphase(air, k, n), dsp.bed_rms(intensity, distance))

    start, length, f0, wobble, level, pan = (np.array(h) for h in zip(*hoots, strict=True))
    grains = dsp.Grains((start * low_sr).astype(np.int64), (length * low_sr).astype(np.int64), m)
    t = grains.t / np.float32(low_sr)
    x = t / grains.per_grain(length)
    fa = grains.per_grain(f0)
    # A hoot leans up into its note and sags at the end; long ones quaver (wobble).
    bend = 0.04 * (1.0 - np.cos(np.float32(np.pi) * np.minimum(x * 3.0, 1.0))) - 0.06 * x * x
    phase = np.float32(2.0 * np.pi) * fa * t * (0.96 + bend)
    phase += grains.per_grain(wobble * f0 / 6.0) * np.sin(np.float32(2.0 * np.pi * 6.0) * t)
    env = np.minimum(x * 8.0, 1.0) * np.minimum((1.0 - x) * 4.0, 1.0)
    env *= env
    tone = np.sin(phase) + 0.12 * np.sin(2.0 * phase) + 0.04 * np.sin(3.0 * phase)
    breathy = dsp.white(rng, t.shape[0]) * 0.15 * env
    values = env * tone + breathy
    harmonics_air = 1.0 / np.sqrt(1.0 + (f0 * 3.0 / cut) ** 2)
    gl, gr = dsp.pan_gains(pan)
    song = grains.scatter(values, level * harmonics_air * gl, level * harmonics_air * gr)
    # The breath noise is soft; smooth it with a gentle low-pass along with the tone.
    song = dsp.filt(dsp.lowpass(min(2500.0, 0.3 * cut), low_sr), song, axis=0)
    song += air * np.float32(0.15 * dsp.rms_of(song) / (dsp.rms_of(air) + 1e-12))
    # Polyphase: the hoots' harmonics reach ~2 kHz, and linear interpolation left their images
    # hissing at 8-20 kHz.
    return dsp.fit_rms(dsp.upsample_polyphase(song, k, n), dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="owl",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Owl: soft low hoots in hoo-hoo-hooo phrases from one or two owls, still air.",
    tags=(
        "owl",
        "owls",
        "hooting",
        "hoot",
        "hoots",
        "hooting owl",
        "owl hooting",
        "owl hoots",
        "hoo hoo",
        "twit twoo",
        "tu-whit tu-whoo",
        "tawny owl",
        "barn owl",
        "great horned owl",
        "horned owl",
        "eagle owl",
        "owl call",
        "owl calls",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
