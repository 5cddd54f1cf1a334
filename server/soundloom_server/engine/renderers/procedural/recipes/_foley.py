"""Shared foley physics: particle crunches (PhISEM), damped knocks, friction, creaks and rooms.

These are the contact sounds of everyday handling: a shoe on gravel is hundreds of grain
collisions, each ringing a tiny random resonator (Cook's PhISEM); a knuckle or heel on a panel
is a short force pulse through a few heavily damped, randomly placed body resonances (a new
set each time, so nothing rings at a fixed pitch); sliding is friction noise following the
speed; a creak is stick-slip pulses voiced by the wood; and every indoor sound carries the
room's early reflections and short diffuse tail.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from soundloom_server.engine.renderers.procedural import dsp


def unit(x: dsp.Audio) -> dsp.Audio:
    """Scaled to a peak of 1 (silence stays silence)."""
    return x * np.float32(1.0 / (dsp.peak_of(x) + 1e-9)) if x.size else x


def crunch(
    rng: np.random.Generator,
    length: int,
    sr: int,
    rate_hz: float,
    density: npt.ArrayLike,
    band: tuple[float, float],
    tau_s: tuple[float, float],
) -> dsp.Audio:
    """PhISEM: Poisson grain collisions thinned by `density` (0..1 per sample), each a decaying
    sinusoid at a random log-uniform frequency in `band` with a random decay in `tau_s`."""
    times = dsp.thin(rng, dsp.poisson_times(rng, rate_hz, length, sr), density)
    count = times.shape[0]
    out = np.zeros(length, np.float32)
    if count == 0:
        return out
    freqs = np.exp(rng.uniform(np.log(band[0]), np.log(min(band[1], 0.45 * sr)), count))
    tau = rng.uniform(*tau_s, count)
    amps = (rng.pareto(2.5, count) + 0.3) * rng.choice([-1.0, 1.0], count)
    grains = dsp.Grains(times, (4.0 * tau * sr).astype(np.int64) + 2, length)
    t = grains.t / np.float32(sr)
    ring = np.exp(-t / grains.per_grain(tau)) * np.sin(grains.per_grain(2.0 * np.pi * freqs) * t)
    ring *= grains.per_grain(amps)
    out[:] = np.bincount(grains.position, ring, minlength=length)[:length]
    return out


def knock(
    rng: np.random.Generator,
    length: int,
    sr: int,
    band: tuple[float, float],
    decay_s: float,
    modes: int = 3,
    q: tuple[float, float] = (2.0, 5.0),
    attack_s: float = 0.0004,
) -> dsp.Audio:
    """A short noise-excited contact through `modes` damped resonances placed at random in
    `band`: a thud or knock whose colour differs every time (no fixed pitch to ring)."""
    t = np.arange(length) / sr
    env = dsp.envelope_ad(t, attack_s, decay_s).astype(np.float32)
    excite = dsp.white(rng, length) * env
    centres = np.exp(rng.uniform(np.log(band[0]), np.log(band[1]), modes))
    sections = [dsp.resonator(f, rng.uniform(*q), sr) for f in centres]
    # Resonators in parallel: a body rings several modes at once.
    body = np.zeros(length, np.float32)
    for section in sections:
        body += dsp.filt(section, excite) * np.float32(rng.uniform(0.5, 1.0))
    return unit(body)


def scuff(
    rng: np.random.Generator, length: int, sr: int, band: tuple[float, float], span_s: float
) -> dsp.Audio:
    """A sole or object dragging briefly: band noise under a smooth swell, grainy in level."""
    t = np.arange(length) / sr
    x = np.clip(t / max(span_s, 1e-3), 0.0, 1.0)
    swell = np.where(t < span_s, np.sin(np.pi * x) ** 1.5, 0.0)
    grit = np.clip(1.0 + 0.6 * dsp.slow_noise(rng, length, sr, 40.0, control_rate=400), 0.0, None)
    level = swell * grit
    return unit(dsp.filt(dsp.bandpass(*band, sr, order=2), dsp.white(rng, length) * level))


def stick_slip(
    rng: np.random.Generator,
    length: int,
    sr: int,
    speed: npt.ArrayLike,
    rate_hz: tuple[float, float],
    formants: tuple[float, ...],
    q: tuple[float, float] = (8.0, 20.0),
    jitter: float = 0.06,
) -> dsp.Audio:
    """A creak: friction sticks and slips at a rate rising with `speed`, each slip a pulse that
    the wood (or metal) voices through a few formants."""
    speed = np.asarray(speed, dtype=np.float64)
    pulse_hz = rate_hz[0] + (rate_hz[1] - rate_hz[0]) * speed
    # The rate wanders: the contact catches unevenly.
    pulse_hz *= np.clip(1.0 + 0.3 * dsp.slow_noise(rng, length, sr, 8.0), 0.4, None)
    phase = np.cumsum(pulse_hz / sr)
    slips = np.flatnonzero(np.diff(np.floor(phase)) > 0) + 1
    slips = slips[speed[slips] > 0.02]
    # Each slip comes early or late and releases a different amount of energy: friction is
    # chaotic, which is what keeps a creak from sounding like a voice's steady glottal pulses.
    period = sr / pulse_hz[slips]
    slips = np.clip(slips + rng.normal(0.0, jitter, slips.shape[0]) * period, 0, length - 1)
    slips = slips.astype(np.int64)
    amps = speed[slips] * rng.uniform(0.15, 1.0, slips.shape[0]) ** 2
    train = dsp.impulses(length, slips, amps)
    tone = dsp.cascade(
        dsp.highpass(120.0, sr),
        *(dsp.peak(f, rng.uniform(*q), 18.0, sr) for f in formants),
        dsp.lowpass(6000.0, sr),
    )
    return unit(dsp.filt(tone, train))


def room_ir(
    rng: np.random.Generator, sr: int, t60_s: float, damping_hz: float, early: int = 6
) -> dsp.Audio:
    """The reverberant part of a small room, (frames, 2): a few early reflections off walls and
    floor, then a diffuse exponentially decaying tail, decorrelated left and right."""
    length = max(int(t60_s * 1.1 * sr), 16)
    t = np.arange(length) / sr
    out = np.zeros((length, 2), np.float32)
    decay = np.exp(-6.9 * t / t60_s).astype(np.float32)
    for ch in range(2):
        taps = (rng.uniform(0.003, 0.03, early) * sr).astype(np.int64)
        out[taps, ch] += rng.uniform(0.2, 0.5, early) * rng.choice([-1.0, 1.0], early)
        tail = dsp.white(rng, length) * decay * np.float32(0.05)
        tail[: int(0.01 * sr)] *= np.linspace(0.0, 1.0, int(0.01 * sr), dtype=np.float32)
        out[:, ch] += dsp.filt(dsp.lowpass(damping_hz, sr), tail)
    return out


def in_room(dry: dsp.Audio, ir: dsp.Audio, wet: float) -> dsp.Audio:
    """A (frames, 2) sound heard in the room of `ir`, the reverberant part at `wet`."""
    n = dry.shape[0]
    out = (dry if dry.ndim == 2 else np.stack([dry, dry], axis=1)).copy()
    for ch in range(2):
        out[:, ch] += np.float32(wet) * dsp.convolve(out[:, ch].copy(), ir[:, ch], n)
    return out
