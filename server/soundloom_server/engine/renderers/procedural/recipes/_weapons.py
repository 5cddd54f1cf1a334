"""Shared pieces of the weapon and impact one-shots: a swing through air, and the space heard.

A struck or fired thing is never heard alone: the ground and walls send back early reflections
within milliseconds, and the space answers with a diffuse tail whose highs die first (air and
surfaces absorb them). Outdoors, buildings and treelines add late discrete echoes that roll.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes._sfxr import (
    resonant_bandpass,
    sweep_filter,
)


def swing(
    rng: np.random.Generator,
    length_s: float,
    peak_hz: float,
    sr: int,
    q: float = 1.6,
    peak_at: float = 0.55,
) -> dsp.Audio:
    """A (frames, 2) swish: band-passed noise whose centre and level swell and fall together.

    The band rises as the object approaches and falls as it leaves (a Doppler-like arc), the
    level follows the speed, and the sound pans across as it passes.
    """
    m = max(int(length_s * sr), 16)
    u = np.arange(m) / m
    arc = np.exp(-(((u - peak_at) / 0.22) ** 2)) * np.sin(np.pi * u)  # 0 at both ends
    noise = np.stack([dsp.white(rng, m), dsp.white(rng, m)], axis=1)
    low_hz = peak_hz * 0.22

    def hz_at(seconds: np.ndarray) -> np.ndarray:
        v = np.clip(seconds / length_s, 0.0, 1.0)
        shape = np.exp(-(((v - peak_at) / 0.22) ** 2)) * np.sin(np.pi * v)
        return low_hz * (peak_hz / low_hz) ** np.clip(shape, 0.0, 1.0)

    band = sweep_filter(noise, lambda hz: resonant_bandpass(hz, q, sr), hz_at, sr, 0.02)
    level = (arc**1.5).astype(np.float32)
    gl, gr = dsp.pan_gains(np.linspace(-0.6, 0.6, m) * rng.choice([-1.0, 1.0]))
    out = (band * level[:, None]).astype(np.float32)
    out[:, 0] *= gl.astype(np.float32)
    out[:, 1] *= gr.astype(np.float32)
    return out


@dataclass(frozen=True)
class Space:
    """Where a one-shot is heard: its reflections and its reverberant tail."""

    early_s: tuple[float, float]  # range of early reflection delays (floor, walls, ground)
    early_count: int
    early_gain: float  # level of the strongest early reflection
    echo_s: tuple[float, float]  # range of late discrete echoes (buildings, treelines)
    echo_count: int
    t60_s: float  # decay of the diffuse tail's lows
    build_s: float  # how long the tail takes to swell (echoes arriving from ever more places)
    dark_hz: float  # above this the tail dies ~3x faster
    wet: float  # diffuse tail level against the dry sound


# A small furnished room; a street or field with buildings and trees a few dozen metres away.
ROOM = Space((0.002, 0.025), 6, 0.35, (0.0, 0.0), 0, 0.45, 0.008, 3500.0, 0.22)
OUTDOOR = Space((0.002, 0.008), 1, 0.6, (0.09, 0.7), 6, 2.2, 0.12, 1400.0, 0.1)
# An open field or range: the ground reflection and a diffuse tail, no walls to echo off.
FIELD = Space((0.002, 0.008), 1, 0.6, (0.0, 0.0), 0, 2.2, 0.12, 1400.0, 0.1)


def space_ir(
    rng: np.random.Generator, space: Space, sr: int, frames: int, t60_scale: float = 1.0
) -> dsp.Audio:
    """The reflected part of the space's impulse response, (frames, 2), decorrelated per ear.

    Cut at `frames` (the event's length): what would ring past the event's end is not heard.
    """
    t60 = space.t60_s * t60_scale
    length = max(min(int((t60 * 1.05 + space.build_s) * sr), frames), 16)
    t = np.arange(length) / sr
    out = np.zeros((length, 2), np.float32)
    for ch in range(2):
        taps = np.minimum(rng.uniform(*space.early_s, space.early_count) * sr, length - 1)
        taps = taps.astype(np.int64)
        gains = space.early_gain * rng.uniform(0.5, 1.0, space.early_count)
        out[taps, ch] += gains * rng.choice([-1.0, 1.0], space.early_count)
        if space.echo_count:
            # Far walls answer late, weaker and duller (filtered with the tail below).
            echo_t = rng.uniform(*space.echo_s, space.echo_count)
            echo_t = echo_t[echo_t * sr < length]
            out[(echo_t * sr).astype(np.int64), ch] += rng.uniform(0.15, 0.4, echo_t.shape[0]) / (
                1.0 + 2.0 * echo_t
            )
    out = dsp.filt(dsp.lowpass(6000.0, sr), out, axis=0)
    swell = 1.0 - np.exp(-t / max(space.build_s, 1e-4))
    low_env = (swell * np.exp(-6.9 * t / t60)).astype(np.float32)
    high_env = (swell * np.exp(-6.9 * t / (t60 / 3.0))).astype(np.float32)
    noise = np.stack([dsp.white(rng, length), dsp.white(rng, length)], axis=1)
    low = dsp.filt(dsp.lowpass(space.dark_hz, sr), noise * low_env[:, None], axis=0)
    high = dsp.filt(dsp.highpass(space.dark_hz, sr), noise * high_env[:, None], axis=0)
    # Normalised so that `wet` is the tail's energy against a unit impulse's.
    tail = low + high
    tail *= np.float32(space.wet / (np.sqrt(np.sum(tail**2) / 2.0) + 1e-9))
    return out + tail


def in_space(dry: dsp.Audio, ir: dsp.Audio) -> dsp.Audio:
    """A mono or (frames, 2) dry sound with the space's reflections added, (frames, 2)."""
    n = dry.shape[0]
    out = (dry if dry.ndim == 2 else np.stack([dry, dry], axis=1)).astype(np.float32)
    wet = [dsp.convolve(out[:, ch], ir[:, ch], n) for ch in range(2)]
    return out + np.stack(wet, axis=1)
