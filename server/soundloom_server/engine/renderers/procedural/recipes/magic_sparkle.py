"""Magic sparkle: a cloud of tiny high bell-like glints, rising, with a shimmer of air.

No physical referent: what game designers mean is a shower of tiny chimes (wind-chime and
glockenspiel grains): many random, high, short bell strikes, each a few inharmonic modes,
thickening and climbing, with a soft airy shimmer under them. The pitches are random, not a
scale: a tune would make it music.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

# A small bar or bell's overtones (free bar modes, rounded): inharmonic, so grains chime.
BELL_RATIOS = np.array([1.0, 2.76, 5.40])
BELL_GAINS = np.array([1.0, 0.35, 0.12])


def _glints(rng: np.random.Generator, n: int, sr: int, span: float, count: int) -> dsp.Audio:
    """Short bell grains at random pitches from ~3 to ~9 kHz, climbing as time goes on."""
    times = np.sort(rng.uniform(0.0, 1.0, count) ** 0.8) * span + 0.01
    progress = (times - 0.01) / span
    # Log-uniform pitches around a centre that climbs over an octave during the sound.
    octave = rng.uniform(-0.4, 0.4, count) + 1.4 * progress
    freqs = 3000.0 * 2.0 ** (octave + 0.2) * rng.uniform(0.98, 1.02, count)
    tau = rng.uniform(0.04, 0.15, count)  # tiny bars ring a little
    starts = (times * sr).astype(np.int64)
    amps = rng.uniform(0.2, 1.0, count)
    gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9, count))
    out = np.zeros((n, 2), np.float32)
    for ratio, gain in zip(BELL_RATIOS, BELL_GAINS, strict=True):
        f = freqs * ratio
        on = np.where(f < 0.45 * sr, gain, 0.0) * amps  # overtones past Nyquist are left out
        # Higher modes die sooner (time constant tau / ratio): each grain's brightness fades
        # into its fundamental, and a mode's grain is cut at 4 of its own time constants
        # (-35 dB, under the other glints), so overtones cost little.
        grains = dsp.Grains(starts, (4.0 * tau / ratio * sr).astype(np.int64), n)
        t = grains.t / np.float32(sr)
        # A 1 ms rise: a struck bell, click-free.
        values = np.minimum(t * np.float32(1000.0), np.float32(1.0)) * np.exp(
            t * grains.per_grain(-ratio / tau)
        )
        values *= grains.per_grain(on) * np.sin(grains.per_grain(2.0 * np.pi * f) * t)
        out[:, 0] += np.bincount(grains.position, values * grains.per_grain(gl), minlength=n)[:n]
        out[:, 1] += np.bincount(grains.position, values * grains.per_grain(gr), minlength=n)[:n]
    return out


def _shimmer(rng: np.random.Generator, n: int, sr: int, span: float) -> dsp.Audio:
    """A soft, airy hiss high up that swells and fades with the cloud."""
    m = min(n, int((span + 0.4) * sr))
    air = dsp.filt(dsp.bandpass(5000.0, 12000.0, sr), dsp.white(rng, m))
    # A fast flutter: the shimmer glitters rather than hisses.
    flutter = np.clip(1.0 + 0.8 * dsp.slow_noise(rng, m, sr, 25.0), 0.0, None)
    env = dsp.envelope_ad(np.arange(m) / sr, 0.3 * span, 0.3 * span)
    return dsp.widen((air * flutter * env).astype(np.float32), sr, delay_s=0.007)


def synth(req: SynthRequest) -> np.ndarray:
    """Bell grains (denser with intensity) climbing over a faint shimmer."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    span = min(rng.uniform(1.0, 1.4), 0.6 * n / sr)
    glints = _glints(rng, n, sr, span, int(30 + 60 * intensity))
    out = glints / np.float32(dsp.peak_of(glints) + 1e-9)
    shimmer = _shimmer(rng, n, sr, span)
    out[: shimmer.shape[0]] += shimmer * np.float32(0.06 / (dsp.rms_of(shimmer) + 1e-9))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="magic_sparkle",
    family="scifi",
    kind=EventKind.SFX,
    description="A magic sparkle: a shower of tiny high chimes rising, with a shimmer of air.",
    tags=(
        "magic", "magical", "sparkle", "sparkles", "sparkling", "shimmer", "shimmering",
        "twinkle", "twinkling", "fairy dust", "pixie dust", "spell", "casts a spell",
        "spell cast", "enchantment", "enchanted", "magic wand", "wand", "glitter", "fairy",
        "healing spell", "chimes of magic",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=2.0,
)  # fmt: skip
