"""Modal synthesis shared by struck things (impacts, doors, footsteps): materials and strikes.

A strike is a contact pulse (its width sets the brightness: hard contacts are short) driving a
bank of decaying resonant modes whose frequency ratios, decay times and damping-with-frequency
depend on the material, and whose base frequency and decay scale with the object's size.
`Body`/`body_ir` are the per-object variant: modes drawn at random inside a material's band
(no fixed ratio set, so no tuned note recurs), with radiation and beating pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp


@dataclass(frozen=True)
class Material:
    """How a material rings when struck."""

    base_hz: float  # lowest mode of a medium-size object
    ratios: tuple[float, ...]  # mode frequencies relative to the base
    t60_s: float  # decay of the lowest mode
    damping: float  # how much faster higher modes die (T60 ~ f^-damping)
    contact_s: float  # contact pulse width at medium hardness
    noise: float  # share of broadband "crack" noise in the strike (rough surfaces)
    noise_hz: tuple[float, float]  # band of that noise


# Ratios: wood and stone from measured plank/slab modes (irregular), metal from a free bar
# (1, 2.756, 5.404, 8.933 ...) plus plate-like extras, glass from a wine glass / pane.
MATERIALS: dict[str, Material] = {
    "wood": Material(170.0, (1.0, 2.3, 3.7, 5.1, 6.9, 9.2), 0.16, 0.9, 0.0015, 0.35, (400, 4000)),
    "metal": Material(
        380.0,
        (1.0, 2.756, 3.9, 5.404, 7.1, 8.933, 11.3, 13.34),
        1.6,
        0.45,
        0.0004,
        0.15,
        (2e3, 9e3),
    ),
    "stone": Material(700.0, (1.0, 1.8, 2.9, 4.3, 6.2), 0.035, 0.6, 0.0008, 0.6, (800, 7000)),
    "glass": Material(1300.0, (1.0, 2.32, 4.25, 6.63, 9.3), 0.7, 0.5, 0.0003, 0.2, (3e3, 12e3)),
    "dirt": Material(85.0, (1.0, 1.6, 2.4), 0.05, 0.8, 0.006, 0.7, (150, 1500)),
}


def size_scale(size: float) -> float:
    """Frequency multiplier for size 0..1: two octaves up when small, two down when large."""
    return float(2.0 ** (-4.0 * (size - 0.5)))


def strike_ir(
    rng: np.random.Generator, material: Material, size: float, sr: int, length: int
) -> dsp.Audio:
    """Impulse response of one struck object; modes are jittered so no two objects are alike."""
    scale = size_scale(size)
    ratios = np.asarray(material.ratios) * rng.uniform(0.96, 1.04, len(material.ratios))
    freqs = material.base_hz * scale * ratios
    # Bigger objects ring longer; higher modes decay faster (internal friction, radiation).
    t60 = material.t60_s * (0.5 + size) * ratios**-material.damping
    gains = rng.uniform(0.5, 1.0, len(ratios)) / np.sqrt(ratios)
    return dsp.modal_ir(freqs, np.maximum(t60, 0.004), gains, length, sr)


def contact_pulse(
    rng: np.random.Generator, material: Material, hardness: float, sr: int
) -> dsp.Audio:
    """Force of the contact: a half-sine, shorter (brighter) for harder strikes, plus grit."""
    width = material.contact_s * 2.0 ** (2.0 * (0.5 - hardness))
    pulse = dsp.half_sine(width, sr)
    grit_len = max(len(pulse), int(0.012 * sr))
    grit = dsp.white(rng, grit_len) * dsp.envelope_ad(
        np.arange(grit_len) / sr, 0.0005, 0.003
    ).astype(np.float32)
    out = np.zeros(grit_len, np.float32)
    out[: len(pulse)] = pulse
    return out + np.float32(0.3 * material.noise) * grit


def strike(
    rng: np.random.Generator,
    material: Material,
    size: float,
    hardness: float,
    sr: int,
    length: int,
    hits: Sequence[tuple[float, float]] = ((0.0, 1.0),),
) -> dsp.Audio:
    """One object struck at each (time s, level) of `hits`: one body rings for all of them."""
    excitation = np.zeros(length, np.float32)
    cracks = np.zeros(length, np.float32)
    crack_len = int(0.06 * sr)
    t = np.arange(crack_len) / sr
    low, high = material.noise_hz
    for at_s, level in hits:
        start = int(at_s * sr)
        if start >= length:
            break
        pulse = contact_pulse(rng, material, hardness * level, sr)[: length - start]
        excitation[start : start + pulse.shape[0]] += pulse * np.float32(level)
        crack = dsp.white(rng, crack_len) * dsp.envelope_ad(t, 0.0003, 0.004 + 0.02 * size).astype(
            np.float32
        )
        crack = crack[: length - start] * np.float32(level)
        cracks[start : start + crack.shape[0]] += crack
    body = dsp.convolve(excitation, strike_ir(rng, material, size, sr, length), length)
    body *= np.float32(1.0 / (dsp.peak_of(body) + 1e-9))
    cracks = dsp.filt(dsp.bandpass(low * (0.7 + 0.6 * hardness), high, sr), cracks)
    cracks *= np.float32(material.noise * (0.5 + hardness) / (dsp.peak_of(cracks) + 1e-9))
    return body + cracks


@dataclass(frozen=True)
class Body:
    """How one material sounds when struck."""

    modes_hz: tuple[float, float]  # band the modes of a medium-size object fall in
    count: int  # how many modes are excited
    t60_s: float  # decay of the lowest mode at medium size
    damping: float  # T60 ~ f^-damping: internal friction eats the high modes first
    split: float  # relative splitting of near-degenerate mode pairs (beating); 0 none
    contact_s: float  # contact pulse width at medium hardness
    grit: float  # level of the contact's own noise against the body's peak
    grit_hz: tuple[float, float]
    grit_s: float  # decay of that noise
    debris: float  # level of chips or crumbs scattering after the hit
    debris_hz: tuple[float, float]
    restitution: float  # bounce height kept per hop; 0: it stops dead
    wet: float  # the room's reverberant level
    radiation_hz: float = 0.0  # below this a small body radiates its modes poorly


def body_ir(rng: np.random.Generator, body: Body, size: float, sr: int, length: int) -> dsp.Audio:
    """This object's modes: random in the material's band, scaled by size, higher ones shorter."""
    scale = size_scale(size)
    lo, hi = body.modes_hz
    # Mode density grows with frequency (a plate's modes crowd upward): log-uniform draws, with
    # the lowest mode always present so the object has a body.
    freqs = np.sort(np.exp(rng.uniform(np.log(lo), np.log(hi), body.count)))
    freqs[0] = lo * rng.uniform(1.0, 1.3)
    freqs = freqs * scale
    t60 = body.t60_s * (0.5 + size) * (freqs / freqs[0]) ** -body.damping
    gains = rng.uniform(0.3, 1.0, body.count) * (freqs / freqs[0]) ** -0.4
    # A panel smaller than the wavelength pumps air back and forth around its edges: its low
    # modes radiate little (the efficiency rises with frequency up to the coincidence region).
    gains *= freqs / (freqs + body.radiation_hz * scale)
    if body.split > 0.0:
        # Two nearly equal modes per shape (imperfect symmetry): they beat slowly.
        detune = 1.0 + body.split * rng.uniform(0.2, 1.0, body.count)
        freqs = np.concatenate([freqs, freqs * detune])
        t60 = np.concatenate([t60, t60 * rng.uniform(0.8, 1.2, body.count)])
        gains = np.concatenate([gains, gains * rng.uniform(0.5, 1.0, body.count)])
    return dsp.modal_ir(freqs, np.maximum(t60, 0.003), gains, length, sr)
