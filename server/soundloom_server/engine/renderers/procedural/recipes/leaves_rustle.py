"""Leaves rustling: gusts stir a canopy of thousands of leaves ticking against each other.

A tree in a gust is tens of thousands of leaf-on-leaf contacts a second (Cook's PhISEM, with
far more grains than a shaker): heard together they are a dense, fine-grained hiss whose level
and density follow the gust, not separate snaps (a few thousand a second, as this once was,
crackles like a fire). The loudest contacts are softly limited so that no one snap stands out.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest


def synth(req: SynthRequest) -> np.ndarray:
    """A gust curve thins a dense Poisson stream of tiny noise crackles, plus a soft 'shh'."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    dry = req.word("leaves") == "dry"
    gustiness = req.number("gustiness")

    # The gust curve: slow swells, squared so lulls are quiet and gusts come on strongly.
    gust = np.clip(
        1.0 + (0.35 + 0.5 * gustiness) * dsp.slow_noise(rng, n, sr, 0.25 + 0.2 * gustiness),
        0.08,
        None,
    )
    gust *= gust
    gust /= gust.max()
    rate = (5000.0 + 21000.0 * intensity) * (0.6 if dry else 1.0)
    hits = dsp.thin(rng, dsp.poisson_times(rng, rate, n, sr), gust)
    # Leaves are alike and touch gently: contact levels vary little (no one snap is loud).
    amps = rng.uniform(0.3, 0.8, hits.shape[0]) * (1.8 if dry else 1.0)

    # Each contact: a fraction of a millisecond of noise (a leaf edge ticking another); dry
    # leaves snap a little longer. Envelopes are built at 8 kHz and interpolated.
    k = dsp.low_rate_factor(sr, 8000)
    r = np.exp(-k / ((0.0012 if dry else 0.0006) * sr))
    env = dsp.filt(np.array([[1.0, 0, 0, 1.0, -r, 0]]), dsp.impulses(n // k + 2, hits // k, amps))
    noise = dsp.white(rng, n)
    excite = noise * dsp.upsample(env, k, n)
    # The soft 'shh' under the crackle: leaves brushing continuously, following the gust.
    # It carries as much of the sound as the contacts do: the canopy hisses, it does not pop.
    shh = np.float32(1.0 * np.sqrt(rate / 15000.0))
    excite += noise[::-1] * (gust.astype(np.float32) * shh)  # reversed: a second, free noise

    shape = dsp.cascade(
        # Leaves are light plates: nothing below ~1 kHz thumps, they resonate at 2-6 kHz.
        dsp.highpass(1200.0 if dry else 900.0, sr, order=4),
        dsp.peak(4500.0 if dry else 3500.0, 0.7, 8.0, sr),
        dsp.lowpass(min(9000.0, dsp.distance_cutoff(distance)), sr),
    )
    wet = dsp.filt(shape, excite)
    # Soft-clip the few loudest snaps at gust peaks: otherwise they alone set the bed's level.
    knee = np.float32(3.0 * dsp.rms_of(wet) + 1e-12)
    out = dsp.widen(np.tanh(wet / knee) * knee, sr, delay_s=0.015)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="leaves_rustle",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Leaves rustling in the wind: gusty bursts of crackly, hissing foliage.",
    tags=(
        "leaves rustling",
        "rustling leaves",
        "rustle",
        "rustling",
        "rustles",
        "leaves",
        "foliage",
        "leaves in the wind",
        "wind in the leaves",
        "swaying branches",
        "trees rustling",
        "rustling trees",
        "bushes rustling",
        "shrubbery",
        "dry leaves",
        "autumn leaves",
        "fallen leaves",
        "canopy",
        "treetops",
        "whispering trees",
        "leafy",
    ),
    synth=synth,
    params=(
        dsp.INTENSITY,
        dsp.DISTANCE,
        ParamSpec("gustiness", 0.5, doc="0 steady stirring .. 1 strong separate gusts"),
        ParamSpec(
            "leaves", "green", choices=("green", "dry"), doc="Green foliage, or dry crisp leaves"
        ),
    ),
    typical_duration_s=30.0,
)
