"""Gong: a large bronze tam-tam struck with a soft mallet, blooming and shimmering as it rings.

A tam-tam is a thin, nearly flat bronze plate. A plate's modal density is constant in frequency
(about 0.15 modes per hertz for an 80 cm, 1.5 mm disc), so it has well over a thousand modes
below 8 kHz: close neighbours beat against each other, the slow shimmer of the sound. The felt
mallet's contact lasts several milliseconds, too long to excite much above a few hundred hertz,
so the stroke starts as a dark hum. The plate is thin enough to vibrate nonlinearly: its large
low motion pumps energy up into ever higher modes (a cascade towards wave turbulence), each band
filled by the one below it at a rate that grows with the amplitude, so a bright wash swells in
over a second or two (the tam-tam's "bloom"), its peak arriving later the higher the band. Losses
grow with frequency, but the low modes ring for half a minute and keep feeding the highs, so the
wash lasts: eight seconds after a stroke a large tam-tam is quieter, not silent. The modes are
synthesised as steady random spectral lines per band, each band under the envelope its energy
follows in the cascade; the gong hangs in a hall.
"""

from __future__ import annotations

import itertools

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import in_room, room_ir

_TOP_HZ = 11000.0  # the cascade's last band: above it losses win over the feed
_BANDS_PER_OCTAVE = 2
_RADIATION_KNEE_HZ = 300.0  # below it a hanging plate radiates ever less
_CONTROL_HZ = 200.0  # the cascade's energies are integrated at this rate
_TRANSFER_PER_S = 10.0  # the cascade's rate at full amplitude, at the default blow
_LOSS_EXPONENT = 0.8  # T60 ~ f^-0.8: radiation and internal friction grow with frequency


def band_edges(lowest_hz: float) -> np.ndarray:
    """Half-octave band edges from the plate's lowest mode up to the cascade's top."""
    count = int(np.ceil(np.log2(_TOP_HZ / lowest_hz) * _BANDS_PER_OCTAVE))
    return lowest_hz * 2.0 ** (np.arange(count + 1) / _BANDS_PER_OCTAVE)


def cascade_energies(
    initial: np.ndarray,
    t60_s: np.ndarray,
    transfer_per_s: float,
    steps: int,
) -> np.ndarray:
    """Each band's energy over time, (steps, bands), at the control rate.

    A band loses energy to damping (its T60) and hands a share on to the band above at a rate
    proportional to its own amplitude (the plate's nonlinearity); the top band only damps.
    """
    dt = 1.0 / _CONTROL_HZ
    damping = 6.9078 / t60_s
    reference = float(initial.sum())
    energy = initial.astype(np.float64).copy()
    out = np.empty((steps, energy.shape[0]))
    for step in range(steps):  # a few thousand control steps, not samples
        out[step] = energy
        flux = transfer_per_s * np.sqrt(energy / reference) * energy
        flux[-1] = 0.0
        gained = np.concatenate(([0.0], flux[:-1]))
        energy = np.maximum(energy + dt * (gained - flux - damping * energy), 0.0)
    return out


def plate_band(
    rng: np.random.Generator, low: float, high: float, modes_per_hz: float, n: int, sr: int
) -> dsp.Audio:
    """The plate's modes between `low` and `high`: steady random lines, unit RMS."""
    bins = n // 2 + 1
    hz_per_bin = sr / n
    count = max(2, int(rng.poisson(modes_per_hz * (high - low))))
    first = int(low / hz_per_bin)
    where = rng.integers(first, max(int(high / hz_per_bin), first + 1), count)
    spectrum = np.zeros(bins, np.complex128)
    # How strongly the mallet drives a mode and how well it radiates vary with its shape and
    # the strike point: a few modes stand out of the many (a lognormal spread of levels).
    level = rng.lognormal(0.0, 0.8, count)
    # No hammered plate is perfectly round: each mode is a doublet beating at under a hertz.
    split = np.maximum(1, np.round(rng.uniform(0.1, 0.6, count) / hz_per_bin)).astype(np.int64)
    for offset, share in ((0, 0.55), (split, 0.45)):
        phase = np.exp(1j * rng.uniform(0.0, 2 * np.pi, count))
        np.add.at(spectrum, np.minimum(where + offset, bins - 1), share * level * phase)
    band = np.fft.irfft(spectrum, n).astype(np.float32)
    return band / np.float32(dsp.rms_of(band) + 1e-12)


def mallet_energy(centres: np.ndarray, contact_s: float) -> np.ndarray:
    """Energy a half-sine contact of `contact_s` puts into half-octave bands at `centres`."""
    fc = centres * contact_s
    force = np.abs(np.cos(np.pi * fc) / np.maximum(np.abs(1.0 - 4.0 * fc * fc), 0.05))
    return centres * force**2  # a half-octave band's width grows with its centre


def synth(req: SynthRequest) -> np.ndarray:
    """Plate modes in half-octave bands under a nonlinear energy cascade, in a hall."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, size, distance = req.number("intensity"), req.number("size"), req.number("distance")
    lowest = 70.0 - 40.0 * size  # a bigger plate: lower modes, more of them, longer ringing
    modes_per_hz = 0.08 + 0.14 * size
    hum_t60 = 20.0 + 30.0 * size  # the T60 of the modes near 100 Hz
    edges = band_edges(lowest)
    centres = np.sqrt(edges[:-1] * edges[1:])
    t60 = hum_t60 * (centres / 100.0) ** -_LOSS_EXPONENT * rng.uniform(0.85, 1.15, centres.shape[0])
    contact_s = 0.006 - 0.003 * intensity  # a harder blow: a shorter contact, a brighter start
    initial = mallet_energy(centres, contact_s)
    # The harder the blow, the stronger the coupling: the bloom comes sooner and goes higher.
    transfer = _TRANSFER_PER_S * (0.6 + 0.8 * intensity) * rng.uniform(0.85, 1.15)
    steps = int(n / sr * _CONTROL_HZ) + 2
    energies = cascade_energies(initial, t60, transfer, steps)
    control_t = np.arange(steps) / _CONTROL_HZ
    t = np.arange(n) / sr
    # A hanging plate's low modes radiate poorly (front and back cancel round its rim): the
    # radiated level rises ~12 dB an octave up to a few hundred hertz.
    radiation = (centres / _RADIATION_KNEE_HZ) / np.sqrt(1.0 + (centres / _RADIATION_KNEE_HZ) ** 2)
    mono = np.zeros(n, np.float32)
    for k, (low, high) in enumerate(itertools.pairwise(edges)):
        if low >= 0.45 * sr:
            break
        amplitude = np.interp(t, control_t, np.sqrt(energies[:, k])).astype(np.float32)
        band = plate_band(rng, low, min(high, 0.45 * sr), modes_per_hz, n, sr)
        mono += amplitude * band * np.float32(radiation[k])
    # The felt's soft thud on contact, under the hum.
    thud = dsp.noise_burst(rng, min(n, int(0.06 * sr)), sr, (40.0, 300.0), 0.003, 0.015)
    dsp.place(mono, thud * np.float32(0.25 * dsp.peak_of(mono)), 0)
    # A hall around it: a long, dark reverberant tail.
    hall = room_ir(rng, sr, 2.5, 3000.0, early=10)
    out = in_room(dsp.widen(mono, sr, delay_s=0.011, width=0.4), hall, 0.3)
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
