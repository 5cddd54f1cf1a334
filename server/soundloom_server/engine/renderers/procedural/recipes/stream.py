"""Stream: a brook's bubbles (rising-pitch damped sines, Minnaert resonances) over water noise."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _bubbles(
    rng: np.random.Generator, m: int, sr: int, intensity: float, distance: float
) -> np.ndarray:
    """Bubble chirps at the low rate `sr`, panned one by one, as (m, 2)."""
    rate = 30.0 + 140.0 * intensity
    starts = dsp.poisson_times(rng, rate, m, sr)
    count = starts.shape[0]
    # Bubble radii are log-distributed; pitch is Minnaert's 3.26 m/s over the radius.
    freq = np.exp(rng.uniform(np.log(500.0), np.log(3200.0), count))
    # van den Doel's damping, 0.043 f + 0.0014 f^1.5 (1/s): small bubbles die fastest.
    damping = 0.043 * freq + 0.0014 * freq**1.5
    rise = rng.uniform(0.1, 0.6, count)  # the pitch rises as the bubble nears the surface
    life = np.minimum(3.0 / damping, 0.05)  # to -26 dB, then tapered to zero
    length = (life * sr).astype(np.int64)
    grains = dsp.Grains(starts, length, m)
    t = grains.t / np.float32(sr)
    d = grains.per_grain(damping)
    f0 = grains.per_grain(freq)
    # Phase of f(t) = f0 (1 + rise * d t): the integral is f0 (t + rise d t^2 / 2).
    phase = (
        np.float32(2.0 * np.pi) * f0 * t * (1.0 + grains.per_grain(rise) * d * t * np.float32(0.5))
    )
    fade = 1.0 - t / grains.per_grain(life)
    values = np.sin(phase) * np.exp(-d * t) * fade
    amp = rng.uniform(0.2, 1.0, count) * (freq / 1000.0) ** -0.5 * dsp.db(-10.0 * distance)
    gl, gr = dsp.pan_gains(rng.uniform(-0.8, 0.8, count))
    return grains.scatter(values, amp * gl, amp * gr)


def synth(req: SynthRequest) -> np.ndarray:
    """Bubbles (rendered at ~16 kHz, each panned) + widened water noise with a slow gurgle."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 11000)  # bubbles stay under ~3.5 kHz
    bubbles = _bubbles(rng, n // k + 2, sr // k, intensity, distance)

    gurgle = np.clip(1.0 + 0.3 * dsp.slow_noise(rng, n, sr, 1.5), 0.2, None)
    shape = dsp.cascade(
        dsp.highpass(250.0, sr),
        dsp.peak(rng.uniform(700.0, 1400.0), 1.2, 6.0, sr),
        dsp.lowpass(min(7000.0, dsp.distance_cutoff(distance)), sr),
    )
    water = dsp.filt(shape, dsp.white(rng, n)) * gurgle
    out = dsp.widen(water * np.float32(0.12 + 0.1 * intensity), sr, delay_s=0.017)
    out[:, 0] += dsp.upsample(bubbles[:, 0], k, n)
    out[:, 1] += dsp.upsample(bubbles[:, 1], k, n)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="stream",
    family="water",
    kind=EventKind.AMBIENCE,
    description="A stream: babbling water made of many small rising bubble chirps over a flow.",
    tags=(
        "stream",
        "brook",
        "creek",
        "river",
        "babbling brook",
        "babbling",
        "flowing water",
        "running water",
        "water flowing",
        "trickle",
        "trickling",
        "rivulet",
        "burble",
        "burbling",
        "gurgle",
        "gurgling",
        "bubbling",
        "bubbles",
        "fountain",
        "water",
        "rapids",
        "beck",
        "spring",
        "waterfall",
        "stream water",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
