"""Punch: a sleeve's swish as the arm swings, the slap of skin, the dull thud of a body taking it.

The fist lands on soft tissue over a rib cage: a long, soft contact (several ms) pushes a heavily
damped body whose low modes (80-300 Hz, different every blow) die within tens of ms, a thud
with no pitch. Where skin meets skin, the air trapped between them is expelled at once: a sharp,
bright slap. Before it, the arm and its sleeve rush through the air.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._weapons import ROOM, in_space, space_ir


def thud(rng: np.random.Generator, sr: int, size: float, m: int) -> dsp.Audio:
    """A soft contact force driving a few heavily damped low body modes, peak 1."""
    contact = dsp.half_sine(rng.uniform(0.006, 0.01) * (0.8 + 0.4 * size), sr)
    count = 5
    freqs = np.exp(rng.uniform(np.log(80.0), np.log(300.0), count)) * 2.0 ** (-0.5 * (size - 0.5))
    # Flesh is lossy: Q of 2-5, so each mode lasts a few cycles.
    t60 = rng.uniform(2.0, 5.0, count) * 6.9 / (np.pi * freqs)
    body = dsp.modal_ir(freqs, t60, rng.uniform(0.5, 1.0, count), m, sr)
    out = dsp.convolve(contact, body, m)
    # The blow's pressure pulse itself, low-passed flesh noise.
    t = np.arange(m) / sr
    push = dsp.white(rng, m) * dsp.envelope_ad(t, 0.003, 0.05 + 0.025 * size).astype(np.float32)
    push = dsp.filt(dsp.lowpass(350.0, sr, order=4), push)
    out = out / (dsp.peak_of(out) + 1e-9) + 0.6 * push / (dsp.peak_of(push) + 1e-9)
    return (out / (dsp.peak_of(out) + 1e-9)).astype(np.float32)


def slap(rng: np.random.Generator, sr: int, m: int) -> dsp.Audio:
    """Skin on skin: air squeezed out of the gap in a millisecond or two, peak 1."""
    t = np.arange(m) / sr
    burst = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0003, rng.uniform(0.002, 0.005)).astype(
        np.float32
    )
    out = dsp.filt(dsp.bandpass(rng.uniform(700.0, 1100.0), rng.uniform(4000.0, 6500.0), sr), burst)
    return out / np.float32(dsp.peak_of(out) + 1e-9)


def sleeve(rng: np.random.Generator, sr: int, length_s: float) -> dsp.Audio:
    """The arm and its cloth rushing through the air, swelling into the blow, peak 1."""
    m = max(int(length_s * sr), 16)
    u = np.arange(m) / m
    noise = dsp.filt(dsp.bandpass(500.0, 3000.0, sr), dsp.white(rng, m))
    out = noise * (u**2 * np.sin(np.pi * np.minimum(u, 0.9) / 1.8)).astype(np.float32)
    return out / np.float32(dsp.peak_of(out) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """Sleeve swish, then at the blow the slap and the thud together, a touch of room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    swing_s = min(rng.uniform(0.07, 0.12), 0.3 * n / sr)
    hit = int(swing_s * sr)
    mono = np.zeros(n, np.float32)
    dsp.place(mono, sleeve(rng, sr, swing_s) * np.float32(0.04 + 0.04 * intensity), 0)
    m = min(n - hit, int(0.3 * sr))
    if m > 16:
        dsp.place(mono, thud(rng, sr, size, m), hit)
        level = (0.2 + 0.25 * intensity) * rng.uniform(0.8, 1.2)
        dsp.place(mono, slap(rng, sr, min(m, int(0.03 * sr))) * np.float32(level), hit)
    gl, gr = dsp.pan_gains(rng.uniform(-0.2, 0.2))
    dry = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    out = in_space(dry, space_ir(rng, ROOM, sr, n) * np.float32(0.5 * (1.0 + 1.5 * distance)))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="punch",
    family="impacts",
    kind=EventKind.SFX,
    description="A punch landing on a body: a short low thump with a slap of skin and cloth.",
    tags=(
        "punch", "punches", "punching", "punched", "fist", "fistfight", "fist fight", "brawl",
        "brawling", "body blow", "body hit", "jab", "uppercut", "hook punch", "kick", "kicked",
        "beat up", "melee", "fighting", "fight", "gut punch",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=0.6,
)  # fmt: skip
