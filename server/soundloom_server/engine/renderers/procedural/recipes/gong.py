"""Gong: a large bronze tam-tam struck with a soft mallet, blooming and shimmering as it rings.

Modal synthesis of a thin plate: its modes are dense and inharmonic (a plate's modal density is
constant in frequency, so they crowd together higher up), each a beating doublet because no
hammered plate is perfectly round, and the higher a mode the sooner it dies. The felt mallet's
contact lasts several milliseconds, too long to excite much above a few hundred hertz, so the
stroke starts as a dark boom. A tam-tam is thin enough to vibrate nonlinearly: the large low
motion pumps energy up into the high modes, so a bright shimmer swells in over the first second
(the gong's "bloom") and then fades slower than the boom under it. The gong hangs in a hall.
"""

from __future__ import annotations

import itertools

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import in_room, room_ir

_LOW_MODES = 24  # the boom's modes, driven by the mallet directly
_HIGH_MODES = 60  # the shimmer's, filled by the nonlinear cascade
_BLOOM_HZ = 700.0  # where the mallet's own excitation gives way to the cascade's


def _modes(
    rng: np.random.Generator, count: int, low: float, high: float, t60_100: float
) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies spread evenly (a plate's constant modal density) and their T60s."""
    freqs = np.sort(rng.uniform(low, high, count))
    # Damping grows with frequency (radiation and internal friction): T60 ~ f^-0.4.
    t60 = t60_100 * (freqs / 100.0) ** -0.4 * rng.uniform(0.7, 1.3, count)
    return freqs, t60


def _ring(
    rng: np.random.Generator, freqs: np.ndarray, t60: np.ndarray, gains: np.ndarray,
    onset_s: np.ndarray, n: int, sr: int,
) -> dsp.Audio:  # fmt: skip
    """Each mode a doublet (0.1-0.6 Hz apart) under a rise over `onset_s` and its decay."""
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    out = np.zeros(n, np.float32)
    for f, t60_k, g, rise in zip(freqs, t60, gains, onset_s, strict=True):
        if f >= 0.45 * sr:
            continue
        m = min(n, int(1.2 * t60_k * sr) + 1)
        tm = t[:m]
        split = rng.uniform(0.1, 0.6)
        wave = np.sin(
            np.float32(2 * np.pi * (f - split / 2)) * tm + np.float32(rng.uniform(0, 6.3))
        )
        wave += np.sin(
            np.float32(2 * np.pi * (f + split / 2)) * tm + np.float32(rng.uniform(0, 6.3))
        )
        env = np.exp(np.float32(-6.9078 / t60_k) * tm)
        if rise > 0.0:
            # The cascade needs the low motion to build first: a slow start, then the swell.
            env *= (np.float32(1.0) - np.exp(-tm / np.float32(rise))) ** 2
        out[:m] += np.float32(g) * env * wave
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Boom modes struck by the mallet + a shimmer of high modes blooming in, in a hall."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, size, distance = req.number("intensity"), req.number("size"), req.number("distance")
    scale = 1.6 - 1.0 * size  # a bigger gong: every mode lower, every mode longer
    ring_s = 8.0 + 12.0 * size
    # The boom: low modes; the mallet (a ~6 ms half-sine) excites the lowest most.
    low_f, low_t60 = _modes(rng, _LOW_MODES, 60.0 * scale, _BLOOM_HZ * scale, ring_s)
    # A half-sine contact of 2-4 ms: flat up to ~1/(2 contact), first null at 1.5/contact.
    contact_s = 0.004 - 0.002 * intensity
    fc = low_f * contact_s
    mallet = np.abs(np.cos(np.pi * fc) / np.maximum(np.abs(1.0 - 4.0 * fc * fc), 0.05))
    low_gain = mallet * rng.uniform(0.5, 1.0, _LOW_MODES)
    boom = _ring(rng, low_f, low_t60, low_gain, np.zeros(_LOW_MODES), n, sr)
    # The shimmer: the cascade fills the high modes over ~0.4-1.5 s, more from a harder blow
    # (the nonlinearity grows with the amplitude). Past a threshold a tam-tam's plate is in
    # wave turbulence: its high spectrum is continuous, so besides a few ringing modes the
    # shimmer is noise in octave bands, each swelling in and dying at its own rate.
    high_f, high_t60 = _modes(rng, _HIGH_MODES, _BLOOM_HZ * scale, 9000.0, 1.5 * ring_s)
    rise = rng.uniform(0.4, 1.5, _HIGH_MODES) * (high_f / 2000.0) ** 0.3
    high_gain = rng.uniform(0.3, 1.0, _HIGH_MODES) * (high_f / _BLOOM_HZ) ** -0.5
    shimmer = _ring(rng, high_f, high_t60, high_gain, rise, n, sr)
    shimmer /= np.float32(dsp.rms_of(shimmer) + 1e-9)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    edges = _BLOOM_HZ * scale * 2.0 ** np.arange(0.0, 4.5, 0.5)
    turbulence = np.zeros(n, np.float32)
    for lo, hi in itertools.pairwise(edges):
        centre = float(np.sqrt(lo * hi))
        t60_band = 1.5 * ring_s * (centre / 100.0) ** -0.4
        rise_band = rng.uniform(0.5, 1.2) * (centre / 2000.0) ** 0.3
        env = (1.0 - np.exp(-t / np.float32(rise_band))) ** 2 * np.exp(
            -np.float32(6.9078 / t60_band) * t
        )
        band = dsp.filt(dsp.bandpass(lo, min(hi, 0.45 * sr), sr, order=2), dsp.white(rng, n))
        turbulence += (
            band * env * np.float32((centre / _BLOOM_HZ) ** -0.5 / (dsp.rms_of(band) + 1e-9))
        )
    shimmer += np.float32(1.5) * turbulence / np.float32(dsp.rms_of(turbulence) + 1e-9)
    shimmer *= np.float32((0.8 + 0.8 * intensity) * dsp.rms_of(boom) / (dsp.rms_of(shimmer) + 1e-9))
    # The felt's thud on contact, under the boom.
    thud = dsp.noise_burst(rng, min(n, int(0.05 * sr)), sr, (40.0, 400.0), 0.002, 0.012)
    mono = boom + shimmer
    dsp.place(mono, thud * np.float32(0.3 * dsp.peak_of(boom)), 0)
    # A hall around it: a long, dark reverberant tail.
    hall = room_ir(rng, sr, 2.5, 3000.0, early=10)
    out = in_room(dsp.widen(mono, sr, delay_s=0.011, width=0.4), hall, 0.35)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.5)


RECIPE = Recipe(
    name="gong",
    family="music",
    kind=EventKind.SFX,
    description="A gong: a large bronze tam-tam struck with a soft mallet, booming and shimmering.",
    tags=(
        "gong", "gongs", "tam-tam", "tamtam", "tam tam", "bronze gong", "temple gong",
        "dinner gong", "gong strike", "gong hit", "struck gong", "chinese gong", "gong crash",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.SIZE, dsp.DISTANCE),
    typical_duration_s=8.0,
)  # fmt: skip
