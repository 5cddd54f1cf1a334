"""Bells by modal synthesis: a cast bell's inharmonic partials, each a beating doublet.

A church bell's partials, relative to its prime (strike) tone, are the hum an octave below, the
prime, a minor-third tierce, a quint, the nominal an octave up (the loudest at the strike), then
the deciem, undeciem, superquint and octave nominal. The hum rings longest; the high partials
die within a second or two. A real bell is not perfectly round, so each partial is two modes a
fraction of a hertz apart whose beating gives the bell its slow warble. A stroke is the clapper's
millisecond contact (a clank) driving all of them; a bell rung again keeps one body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp


@dataclass(frozen=True)
class BellPartial:
    """One named partial: frequency ratio to the prime, strike level and relative decay."""

    name: str
    ratio: float
    gain: float
    t60: float  # share of the hum's decay time


CHURCH_BELL = (
    BellPartial("hum", 0.5, 0.55, 1.0),
    BellPartial("prime", 1.0, 0.6, 0.55),
    BellPartial("tierce", 1.19, 0.75, 0.45),
    BellPartial("quint", 1.5, 0.25, 0.3),
    BellPartial("nominal", 2.0, 1.0, 0.32),
    BellPartial("deciem", 2.5, 0.45, 0.2),
    BellPartial("undeciem", 2.67, 0.35, 0.18),
    BellPartial("superquint", 3.0, 0.45, 0.15),
    BellPartial("octave nominal", 4.0, 0.3, 0.1),
    BellPartial("upper", 5.35, 0.25, 0.07),
    # The clapper also excites the crown's many high modes: a shimmer that dies within a second.
    BellPartial("high 1", 6.35, 0.12, 0.05),
    BellPartial("high 2", 7.55, 0.1, 0.04),
    BellPartial("high 3", 8.8, 0.08, 0.035),
    BellPartial("high 4", 10.2, 0.06, 0.03),
    BellPartial("high 5", 11.9, 0.05, 0.025),
    BellPartial("high 6", 13.6, 0.04, 0.02),
)


def bell_ir(
    rng: np.random.Generator,
    prime_hz: float,
    hum_t60_s: float,
    sr: int,
    length: int,
    partials: tuple[BellPartial, ...] = CHURCH_BELL,
    bright: float = 1.0,
) -> dsp.Audio:
    """Impulse response of one bell: every partial a doublet beating at a fraction of a hertz."""
    freqs, t60s, gains = [], [], []
    for p in partials:
        f = prime_hz * p.ratio * rng.uniform(0.995, 1.005)
        split = f * rng.uniform(0.0008, 0.003)  # out-of-roundness: beats every ~1-5 s
        level = p.gain * (bright ** np.log2(p.ratio / 0.5)) * rng.uniform(0.8, 1.2)
        for offset, share in ((-0.5 * split, 0.55), (0.5 * split, 0.45)):
            freqs.append(f + offset)
            t60s.append(max(0.05, hum_t60_s * p.t60 * rng.uniform(0.85, 1.15)))
            gains.append(level * share)
    ir = dsp.modal_ir(freqs, t60s, gains, length, sr)
    return ir / np.float32(dsp.peak_of(ir) + 1e-9)


def clank(rng: np.random.Generator, sr: int, centre_hz: float) -> dsp.Audio:
    """The clapper's metal-on-metal contact: a few ms of bright noise (peak 1)."""
    n = int(0.03 * sr)
    return dsp.noise_burst(rng, n, sr, (0.6 * centre_hz, 2.2 * centre_hz), 0.0003, 0.004)


def ring(
    out: dsp.Audio,
    sound: dsp.Audio,
    starts: np.ndarray,
    amps: np.ndarray,
    pans: np.ndarray | None = None,
) -> None:
    """Add a copy of `sound` at every start (frames) with its amplitude and pan, in place."""
    gl, gr = dsp.pan_gains(np.zeros(starts.shape[0]) if pans is None else pans)
    for at, amp, left, right in zip(starts, amps, gl, gr, strict=True):  # strokes, not samples
        end = min(out.shape[0], int(at) + sound.shape[0])
        if at < 0 or at >= end:
            continue
        piece = sound[: end - int(at)]
        out[int(at) : end, 0] += piece * np.float32(amp * left)
        out[int(at) : end, 1] += piece * np.float32(amp * right)
