"""Bells by modal synthesis: a cast bell's inharmonic partials, each a beating doublet.

A church bell's partials, relative to its prime (strike) tone, are the hum an octave below, the
prime, a minor-third tierce, a quint, the nominal an octave up (the loudest at the strike), then
the deciem, undeciem, superquint and octave nominal and a ladder of weaker upper partials. The
hum rings longest (tens of seconds in a big bell); the upper partials die within a second or
two. A real bell is not perfectly round, so each partial is two modes a fraction of a hertz apart
whose beating gives the bell its slow warble. A stroke is the iron clapper's millisecond contact
on the sound bow: besides driving every partial it rings the bell's dense, heavily damped crown
and lip modes (a bright metallic clank that dies within a fraction of a second) and makes a
broadband tick of contact noise. The clank grows faster than the partials with the force of the
blow, so strike and body are kept apart and mixed per stroke.
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
    # How far an untuned (old, pre-tuning-lathe) bell leaves this partial from its ideal ratio.
    cents: float = 17.0


# Strike levels and decays after measurements of English tower bells (Hibbert; Perrin, Charnley
# and DePont): the nominal leads at the strike, the partials above it are within ~10 dB of it,
# and the higher a partial, the sooner it dies.
CHURCH_BELL = (
    BellPartial("hum", 0.5, 0.3, 1.0, 60.0),
    BellPartial("prime", 1.0, 0.4, 0.45, 40.0),
    BellPartial("tierce", 1.19, 0.55, 0.4, 20.0),
    BellPartial("quint", 1.5, 0.3, 0.2, 30.0),
    BellPartial("nominal", 2.0, 1.0, 0.3, 0.0),
    BellPartial("deciem", 2.5, 0.45, 0.18),
    BellPartial("undeciem", 2.67, 0.35, 0.16),
    BellPartial("superquint", 3.0, 0.55, 0.14),
    BellPartial("octave nominal", 4.0, 0.45, 0.1),
    BellPartial("upper 1", 4.75, 0.3, 0.08),
    BellPartial("upper 2", 5.35, 0.3, 0.07),
    BellPartial("upper 3", 6.0, 0.25, 0.06),
    BellPartial("upper 4", 6.75, 0.2, 0.05),
    BellPartial("upper 5", 7.6, 0.16, 0.045),
    BellPartial("upper 6", 8.55, 0.12, 0.04),
)


def bell_ir(
    rng: np.random.Generator,
    prime_hz: float,
    hum_t60_s: float,
    sr: int,
    length: int,
    partials: tuple[BellPartial, ...] = CHURCH_BELL,
    bright: float = 1.0,
    untuned: float = 0.0,
) -> dsp.Audio:
    """Impulse response of one bell: every partial a doublet beating at a fraction of a hertz.

    `untuned` 0 is a bell tuned on a lathe (partials within a few cents), 1 an old bell as
    cast, its hum, prime and quint up to half a semitone off their ideal ratios to the nominal.
    """
    freqs, t60s, gains = [], [], []
    for p in partials:
        off = rng.uniform(-1.0, 1.0) * p.cents * untuned / 1200.0
        f = prime_hz * p.ratio * 2.0**off * rng.uniform(0.997, 1.003)
        split = f * rng.uniform(0.0008, 0.003)  # out-of-roundness: beats every ~1-5 s
        level = p.gain * (bright ** np.log2(p.ratio / 0.5)) * rng.uniform(0.8, 1.2)
        for offset, share in ((-0.5 * split, 0.55), (0.5 * split, 0.45)):
            freqs.append(f + offset)
            t60s.append(max(0.05, hum_t60_s * p.t60 * rng.uniform(0.85, 1.15)))
            gains.append(level * share)
    ir = dsp.modal_ir(freqs, t60s, gains, length, sr)
    return ir / np.float32(dsp.peak_of(ir) + 1e-9)


def clank(rng: np.random.Generator, sr: int, prime_hz: float, ring_s: float = 0.4) -> dsp.Audio:
    """The clapper's metal-on-metal strike: dense high modes ringing `ring_s` + contact noise.

    The crown and lip modes above the partial ladder are too many and too damped to hear apart:
    a cloud of random inharmonic modes from ~5x the prime to 12 kHz, plus ~10 ms of broadband
    noise from the contact itself (peak 1).
    """
    count = 48
    top = min(12000.0, 0.45 * sr)
    f = np.exp(rng.uniform(np.log(min(5.0 * prime_hz, 0.5 * top)), np.log(top), count))
    t60 = ring_s * rng.uniform(0.25, 1.0, count) * (f / f.min()) ** -0.3
    gains = rng.uniform(0.3, 1.0, count) * rng.choice([-1.0, 1.0], count)
    n = int(1.3 * ring_s * sr)
    modes = dsp.modal_ir(f, t60, gains, n, sr)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    tick = dsp.filt(dsp.highpass(1500.0, sr), dsp.white(rng, n) * np.exp(-t / 0.004))
    out = modes / np.float32(dsp.peak_of(modes) + 1e-9) + tick / np.float32(
        dsp.peak_of(tick) + 1e-9
    )
    return out / np.float32(dsp.peak_of(out) + 1e-9)


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
