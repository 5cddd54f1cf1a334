"""Explosion: a recorded blast layered over a synthesised shock thump, rumble and debris.

A real detonation's texture (the shock front's crack, the fireball's roar, the rattle of echoes)
is what synthesis misses, so the body is a recording from the pack, chosen and pitched by size.
Synthesis carries what a game needs to shape: the sub-bass overpressure pulse, a rumble whose
length follows the event and its size, and debris falling for as long as the event lasts.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _rumble(
    rng: np.random.Generator, n: int, sr: int, onset: float, decay: float, size: float
) -> np.ndarray:
    """Brown noise under ~200 Hz at a low rate, one noise per ear, fast rise then long decay."""
    k = dsp.low_rate_factor(sr, 3000)
    low_sr, m = sr // k, n // k + 2
    t = np.arange(m) / low_sr - onset
    env = dsp.envelope_ad(t, 0.01 + 0.03 * size, decay)
    env += 0.5 * dsp.envelope_ad(t - 0.05, 0.15 + 0.2 * size, 2.0 * decay)  # the fireball
    # The roll: the blast's echoes and billowing rattle the rumble at a few Hz.
    roll = np.clip(1.0 + 0.3 * dsp.slow_noise(rng, m, low_sr, 5.0, control_rate=100), 0.2, None)
    shape = dsp.cascade(
        dsp.brown_sos(low_sr, 25.0),
        dsp.lowpass(260.0 - 140.0 * size, low_sr, order=4),
        dsp.highpass(20.0, low_sr),
    )
    noise = dsp.white(rng, 2 * m).reshape(2, m) * (env * roll).astype(np.float32)
    rumble = dsp.filt(shape, noise, axis=1)
    rumble *= np.float32(1.0 / (dsp.peak_of(rumble) + 1e-12))
    return dsp.upsample_stereo(rumble, k, n)


def _recording(rng: np.random.Generator, n: int, sr: int, size: float, onset: int) -> np.ndarray:
    """A recorded blast: a take chosen by size, slowed when large, its highs dying early."""
    takes = sorted(samples.takes("explosion"), key=lambda t: t.duration_s)
    index = int(np.clip(round(size * (len(takes) - 1) + rng.normal(0.0, 1.0)), 0, len(takes) - 1))
    # Bigger charges sound lower and slower; each take is detuned a little per seed.
    speed = 2.0 ** ((0.5 - size) * 5.0 / 12.0 + rng.uniform(-1.5, 1.5) / 12.0)
    variation = samples.Variation(takes[index], speed=speed)
    if rng.random() < 0.5:  # a second blast under the first thickens the body
        variation = samples.Variation(
            takes[index], speed, layer=samples.choose(rng, "explosion"),
            layer_speed=speed * 2.0 ** (rng.uniform(-3.0, 0.0) / 12.0),
            layer_gain=float(rng.uniform(0.25, 0.5)), layer_offset_s=float(rng.uniform(0, 0.03)),
        )  # fmt: skip
    blast = samples.render(variation, sr, channels=1)[:, 0]
    blast = blast[: max(n - onset, 0)]
    out = np.zeros(n, np.float32)
    if not blast.size:
        return dsp.widen(out, sr)
    # The crack and roar are brief; the low rumble carries on (air and ground keep the lows).
    split = dsp.lowpass(300.0, sr, order=2)
    low = dsp.filt(split, blast)
    t = np.arange(blast.shape[0]) / sr
    highs = np.exp(-np.maximum(t - 0.15, 0.0) / (0.25 + 0.35 * size)).astype(np.float32)
    blast = low + (blast - low) * highs
    out[onset : onset + blast.shape[0]] = blast / np.float32(dsp.peak_of(blast) + 1e-12)
    return dsp.widen(out, sr, delay_s=0.017, width=0.6)


def synth(req: SynthRequest) -> np.ndarray:
    """Recorded blast + synthesised thump, rumble (low rate) and debris; tails fit the event."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    onset = 0.01 + 0.05 * distance  # distance also smears the front
    span = max(duration - onset, 0.1)
    decay = min(0.35 + 1.0 * size, 0.3 * span)
    out = _rumble(rng, n, sr, onset, decay, size) * np.float32(0.3)
    start = int(onset * sr)
    out += _recording(rng, n, sr, size, start)

    length = min(n - start, int(0.25 * sr))
    if length > 0:
        t = np.arange(length) / sr
        # Crack: the shock front's N-wave, a few ms of broadband noise that close recordings
        # clip and far ones lack; distance eats it first.
        burst = dsp.envelope_ad(t, 0.0007, 0.008 + 0.012 * size)
        crack = dsp.filt(dsp.highpass(400.0, sr), dsp.white(rng, length) * burst.astype(np.float32))
        crack *= np.float32(0.9 * (1.0 - 0.8 * distance) / (dsp.peak_of(crack) + 1e-12))
        # Thump: the overpressure pulse, a low downward-gliding sine the recordings barely hold.
        f = (70.0 - 35.0 * size) * np.exp(-t / 0.15)
        thump = np.sin(2.0 * np.pi * np.cumsum(f + 25.0) / sr) * dsp.envelope_ad(t, 0.006, 0.08)
        crack += (thump * (0.3 + 0.2 * size)).astype(np.float32)
        out[start : start + length] += crack[:, None]

    # Debris: pieces rattling down over the next second or two, dying away.
    count = int((20 + 80 * size) * (0.4 + intensity) * min(1.0, span / 2.0))
    times = onset + 0.2 + rng.gamma(2.0, 0.25 * min(1.0, span / 3.0) * (1 + size), count)
    times = times[times < duration]
    dk = rng.uniform(0.002, 0.012, times.shape[0])
    grains = dsp.Grains((times * sr).astype(np.int64), (dk * 6.0 * sr).astype(np.int64), n)
    gt = grains.t / np.float32(sr)
    freq = grains.per_grain(rng.uniform(600.0, 4000.0, times.shape[0]))
    values = np.exp(-gt / grains.per_grain(dk)) * (
        np.sin(np.float32(2 * np.pi) * freq * gt) + 0.8 * dsp.white(rng, gt.shape[0])
    )
    amp = rng.uniform(0.01, 0.05, times.shape[0]) * np.exp(-(times - onset) / (0.6 + size))
    gl, gr = dsp.pan_gains(rng.uniform(-0.9, 0.9, times.shape[0]))
    grains.scatter(values, amp * gl, amp * gr, out=out)

    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    dsp.fade_out(out, int(min(0.4, 0.15 * duration) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="explosion",
    family="fire",
    kind=EventKind.SFX,
    description="Explosion: a recorded blast over a synthesised thump, rolling rumble and debris.",
    tags=(
        "explosion",
        "explosions",
        "explode",
        "explodes",
        "exploding",
        "blast",
        "blasts",
        "detonation",
        "detonate",
        "bomb",
        "bombing",
        "grenade",
        "dynamite",
        "kaboom",
        "blown up",
        "blows up",
        "blow up",
        "shell burst",
        "artillery",
        "mortar",
        "mine blast",
        "demolition",
        "fireball explosion",
        "barrel explosion",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=4.0,
)
