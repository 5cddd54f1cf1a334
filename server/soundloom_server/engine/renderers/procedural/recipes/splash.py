"""Splash: an impact burst and a cavity "plop", a cloud of bubble chirps, then droplets falling."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles


def _impact(rng: np.random.Generator, n: int, sr: int, size: float, span: float) -> np.ndarray:
    """The surface slap: a noise burst whose length and darkness grow with the object."""
    length = min(n, int((0.05 + 0.25 * size) * span * sr) + 1)
    t = np.arange(length) / sr
    env = dsp.envelope_ad(t, 0.001 + 0.004 * size, (0.012 + 0.06 * size) * span)
    burst = dsp.white(rng, length) * env.astype(np.float32)
    shape = dsp.cascade(
        dsp.highpass(120.0 - 60.0 * size, sr), dsp.lowpass(7000.0 - 4500.0 * size, sr)
    )
    out = np.zeros(n, np.float32)
    out[:length] = dsp.filt(shape, burst)
    return out


def _wash(
    rng: np.random.Generator,
    n: int,
    sr: int,
    band: tuple[float, float],
    start: float,
    attack: float,
    decay: float,
    grain_hz: float,
) -> np.ndarray:
    """Noise in `band` swelling at `start` s and dying away, its level churning `grain_hz` times a
    second: the crown's spray (bright) or the water mass sloshing back into the hole (dark)."""
    m = min(n, int((start + attack + 7.0 * decay) * sr) + 1)  # to -60 dB; silence after
    t = np.arange(m) / sr
    env = dsp.envelope_ad(t - start, attack, decay).astype(np.float32)
    churn = np.clip(1.0 + 0.8 * dsp.slow_noise(rng, m, sr, grain_hz), 0.0, None)
    out = np.zeros(n, np.float32)
    out[:m] = dsp.filt(dsp.bandpass(*band, sr, order=2), dsp.white(rng, m)) * env * churn
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Slap, spray and slosh at the entry; a short cavity plop; bubbles; droplets falling back."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    span = min(1.0, duration / 1.5)  # a short event gets a compressed splash, not a cut one
    out = np.zeros((n, 2), np.float32)
    slap = _impact(rng, n, sr, size, span)
    out += slap[:, None] * np.float32(0.7)
    # The crown: the sheet thrown up breaks into spray, a bright hiss that lasts while it falls.
    spray = _wash(
        rng, n, sr, (1500.0 - 700.0 * size, 9000.0), 0.005, 0.01, (0.12 + 0.25 * size) * span, 80.0
    )
    # The slosh: the water closing over the hole and the waves running off, low and churning.
    slosh = _wash(
        rng,
        n,
        sr,
        (200.0 - 100.0 * size, 1800.0 - 600.0 * size),
        0.02 * span,
        0.03,
        (0.15 + 0.35 * size) * span,
        15.0,
    )
    level = np.float32(dsp.rms_of(slap[: int(0.1 * sr)]) + 1e-9)
    out += dsp.widen(spray * (0.9 * level / (dsp.rms_of(spray[: int(0.3 * sr)]) + 1e-9)), sr)
    out += dsp.widen(slosh * (0.5 * level / (dsp.rms_of(slosh[: int(0.3 * sr)]) + 1e-9)), sr)

    # The plop: the air cavity the object drags down pinches off as one big bubble; it is
    # pinched and torn at once, so it rings for a few cycles only, rising as it goes.
    plop_hz = 500.0 * 2.0 ** (-2.5 * size) * rng.uniform(0.9, 1.1)
    start = int(rng.uniform(0.03, 0.06 + 0.06 * size) * span * sr)
    bubbles(out, [start], [plop_hz], [0.8], [rng.uniform(-0.1, 0.1)], sr, rise=0.6, ring=0.4)

    # Entrained bubbles: many, mostly right after the entry, their rate decaying.
    count = int((40 + 200 * size) * (0.5 + intensity) * span)
    at = rng.exponential((0.08 + 0.2 * size) * span, count) + 0.01
    low, high = 700.0 * 2.0 ** (-1.5 * size), 4500.0 * 2.0 ** (-1.0 * size)
    freqs = np.exp(rng.uniform(np.log(low), np.log(high), count))
    amps = rng.uniform(0.05, 0.3, count)
    bubbles(out, (at * sr).astype(np.int64), freqs, amps, rng.uniform(-0.5, 0.5, count), sr)

    # Droplets thrown up fall back over a wider spread: small plinks and tiny splats.
    drops = int((20 + 80 * size) * (0.5 + intensity) * span)
    at = (0.12 + 0.2 * size) * span + rng.gamma(2.0, (0.15 + 0.2 * size) * span, drops)
    freqs = rng.uniform(1200.0, 5000.0, drops)
    amps = rng.uniform(0.05, 0.25, drops) * np.exp(-at / (0.7 * span))
    bubbles(out, (at * sr).astype(np.int64), freqs, amps, rng.uniform(-0.9, 0.9, drops), sr)
    ticks = dsp.impulses(n, np.minimum((at * sr).astype(np.int64), n - 1), amps * 0.3)
    out += dsp.filt(dsp.highpass(2500.0, sr), ticks)[:, None]

    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    dsp.fade_out(out, int(min(0.25, 0.15 * duration) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="splash",
    family="water",
    kind=EventKind.SFX,
    description="Splash: something falling into water, with a plop, bubbles and droplets.",
    tags=(
        "splash",
        "splashes",
        "splashing",
        "splashed",
        "splash into water",
        "plop",
        "plunge",
        "plunged",
        "sploosh",
        "kersplash",
        "dive",
        "diving",
        "jump into water",
        "falls into water",
        "fell into water",
        "thrown into water",
        "cannonball",
        "belly flop",
        "water impact",
        "fish jumping",
        "fish jumps",
        "rock into water",
        "stone into pond",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.0,
)
