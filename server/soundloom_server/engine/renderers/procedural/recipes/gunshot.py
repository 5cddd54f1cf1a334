"""Gunshot: the bullet's N-wave crack, the muzzle blast, the action cycling, and the land answering.

A supersonic bullet drags a shock cone: an N-shaped pressure wave (an instant jump, a linear
fall through zero, an instant return) lasting about a millisecond, which is the whip-like crack.
The powder gas leaving the muzzle is a blast wave (Friedlander: a sharp rise, a decay through a
longer negative phase) whose few-ms length puts its energy at 100-1000 Hz, the boom, followed by
turbulent gas noise. Then the slide or bolt clacks (under the blast's own tail), and the
surroundings answer: a ground reflection within milliseconds, slap-back echoes off buildings and
treelines, and a long dark tail that rolls away for seconds.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike
from soundloom_server.engine.renderers.procedural.recipes._weapons import (
    OUTDOOR,
    in_space,
    space_ir,
)


def n_wave(duration_s: float, sr: int) -> dsp.Audio:
    """The bullet's shock: +1 jumping in, a straight fall to -1, and back to 0 at once."""
    m = max(4, int(duration_s * sr))
    wave = np.linspace(1.0, -1.0, m, dtype=np.float32)
    # The shock front has a finite thickness: a 2-sample edge instead of a single-sample step.
    return np.convolve(wave, np.array([0.5, 0.5], np.float32))


def muzzle_blast(rng: np.random.Generator, sr: int, size: float, m: int) -> dsp.Audio:
    """Friedlander blast wave, the turbulent gas jet behind it and its low rumble, peak 1."""
    t = np.arange(m) / sr
    positive_s = (0.002 + 0.008 * size) * rng.uniform(0.85, 1.15)
    rise = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / 0.0004, 0.0, 1.0))
    wave = rise * (1.0 - t / positive_s) * np.exp(-1.6 * t / positive_s)
    # The gas keeps roaring out for tens of ms: noise, loudest at a few hundred hertz.
    gas_env = dsp.envelope_ad(t, 0.0006, 0.02 + 0.04 * size).astype(np.float32)
    gas = dsp.filt(dsp.bandpass(120.0, 3500.0, sr), dsp.white(rng, m) * gas_env)
    # The blast's low end is barely absorbed by ground and air: it booms on for a few hundred
    # ms, longer for bigger charges, while the highs are long gone.
    boom_s = (0.1 + 0.2 * size) * rng.uniform(0.85, 1.15)
    boom_env = dsp.envelope_ad(t, 0.006, boom_s).astype(np.float32)
    boom = dsp.filt(dsp.bandpass(60.0, 700.0, sr, order=2), dsp.white(rng, m) * boom_env)
    blast = (
        wave / (np.abs(wave).max() + 1e-9)
        + 0.5 * gas / (dsp.peak_of(gas) + 1e-9)
        + 0.7 * boom / (dsp.peak_of(boom) + 1e-9)
    )
    return (blast / (np.abs(blast).max() + 1e-9)).astype(np.float32)


def _mechanism(rng: np.random.Generator, sr: int, n: int, at: int) -> dsp.Audio:
    """The slide or bolt slamming back and home, tens of dB under the blast (mostly masked)."""
    out = np.zeros(n, np.float32)
    length = min(n, int(0.08 * sr))
    cycle_at = at + int(rng.uniform(0.03, 0.07) * sr)
    hits = ((0.0, 1.0), (rng.uniform(0.012, 0.025), 0.7))
    clack = strike(rng, MATERIALS["metal"], 0.1, 0.9, sr, length, hits)
    dsp.place(out, clack * np.float32(0.006 / (dsp.peak_of(clack) + 1e-9)), cycle_at)
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Crack and blast at the start, the action, then ground, echoes and the outdoor tail."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    at = int(0.003 * sr)
    dry = np.zeros(n, np.float32)
    crack = n_wave((0.0004 + 0.0008 * size) * rng.uniform(0.8, 1.2), sr)
    # The crack outruns the blast; it thins with distance from the bullet's path.
    dsp.place(dry, crack * np.float32(rng.uniform(0.8, 1.0) * (1.0 - 0.5 * distance)), at)
    blast = muzzle_blast(rng, sr, size, min(n, int((0.6 + 1.2 * size) * sr)))
    dsp.place(dry, blast, at + int(rng.uniform(0.0005, 0.002) * sr))
    dry += _mechanism(rng, sr, n, at)
    # Far away, the land's answer is as loud as the shot itself.
    ir = space_ir(rng, OUTDOOR, sr, n, t60_scale=(0.7 + 0.6 * size) * rng.uniform(0.85, 1.15))
    ir *= np.float32(1.0 + 1.5 * distance)
    out = in_space(dry, ir)
    gl, gr = dsp.pan_gains(rng.uniform(-0.3, 0.3))
    out[:, 0] *= np.float32(gl * np.sqrt(2.0))
    out[:, 1] *= np.float32(gr * np.sqrt(2.0))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="gunshot",
    family="weapons",
    kind=EventKind.SFX,
    description="A gunshot: sharp muzzle crack and low boom, the action's click, outdoor echoes.",
    tags=(
        "gunshot", "gunshots", "gun shot", "gunfire", "gun fire", "shot", "shots", "shooting",
        "shoots", "fires a gun", "pistol", "pistol shot", "handgun", "revolver", "rifle",
        "rifle shot", "sniper", "sniper shot", "shotgun", "shotgun blast", "musket", "firearm",
        "bullet", "gun", "gunman", "muzzle blast",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.0,
)  # fmt: skip
