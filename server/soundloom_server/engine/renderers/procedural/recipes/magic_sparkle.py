"""Magic sparkle: a cloud of tiny high bell-like glints rising in pitch over a soft pad."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

PENTATONIC = np.array([0, 2, 4, 7, 9])  # no clashing semitones: any overlap sounds "magical"


def _glints(rng: np.random.Generator, n: int, sr: int, span: float, count: int) -> dsp.Audio:
    """Short sine grains on a pentatonic ladder from ~3 to ~10 kHz, climbing as time goes on."""
    times = np.sort(rng.uniform(0.0, 1.0, count) ** 0.8) * span + 0.01
    progress = (times - 0.01) / span
    # Steps above 3 kHz: the ladder climbs over the sound, with a little random scatter.
    step = np.round(progress * 9.0 + rng.normal(0.0, 1.5, count)).astype(np.int64)
    step = np.clip(step, 0, 10)
    semis = 12 * (step // 5) + PENTATONIC[step % 5]
    freqs = rng.uniform(2900.0, 3100.0) * 2.0 ** (semis / 12.0) * rng.uniform(0.997, 1.003, count)
    tau = rng.uniform(0.012, 0.04, count)
    # 4 time constants: the cut is at -35 dB, under the other glints (no audible click).
    grains = dsp.Grains((times * sr).astype(np.int64), (4.0 * tau * sr).astype(np.int64), n)
    t = grains.t / np.float32(sr)
    # A 2 ms rise keeps each glint click-free; overlapping detuned glints do the shimmering.
    env = np.minimum(t * np.float32(500.0), np.float32(1.0)) * np.exp(
        t * grains.per_grain(-1.0 / tau)
    )
    env *= grains.per_grain(rng.uniform(0.3, 1.0, count))
    values = env * np.sin(grains.per_grain(2.0 * np.pi * np.minimum(freqs, 0.45 * sr)) * t)
    gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9, count))
    out = np.empty((n, 2), np.float32)
    out[:, 0] = np.bincount(grains.position, values * grains.per_grain(gl), minlength=n)[:n]
    out[:, 1] = np.bincount(grains.position, values * grains.per_grain(gr), minlength=n)[:n]
    return out


def _pad(rng: np.random.Generator, n: int, sr: int, span: float) -> dsp.Audio:
    """A soft major-chord pad of detuned sine pairs that swells under the sparkles."""
    # Rendered at a third of the rate: the pad's partials stay below a tenth of that rate.
    k = 3
    low_sr = sr // k
    m = min(n, int((span + 0.5) * sr))
    t = (np.arange(m // k + 2) / low_sr).astype(np.float32)
    root = rng.uniform(420.0, 520.0)
    pad = np.zeros((2, t.shape[0]), np.float32)
    for ratio in (1.0, 1.26, 1.5):
        for ch, detune in enumerate((0.997, 1.003)):
            w = np.float32(2.0 * np.pi * root * ratio * detune)
            pad[ch] += np.sin(w * t + np.float32(rng.uniform(0, 6.28)))
    pad *= dsp.envelope_ad(t, 0.25 * span, 0.35 * span).astype(np.float32)
    return dsp.upsample_stereo(pad, k, m)


def synth(req: SynthRequest) -> np.ndarray:
    """Glints (denser with intensity) climbing over a quiet pad."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    span = min(rng.uniform(1.0, 1.4), 0.6 * n / sr)
    glints = _glints(rng, n, sr, span, int(40 + 100 * intensity))
    out = glints / np.float32(dsp.peak_of(glints) + 1e-9)
    pad = _pad(rng, n, sr, span)
    out[: pad.shape[0]] += pad * np.float32(0.25 / (dsp.peak_of(pad) + 1e-9))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="magic_sparkle",
    family="scifi",
    kind=EventKind.SFX,
    description="A magic sparkle: shimmering high glints rising like an arpeggio over a soft pad.",
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
