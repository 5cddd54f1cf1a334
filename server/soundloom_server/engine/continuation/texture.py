"""The bed's continuation: grains of the clip's own bed under a continued slow modulation.

The bed is the clip with its events masked out (what rises more than 1.5 dB over each mel band's
running median). Shaped noise (LPC or phase randomisation) was tried first and measured: it
smooths away the bed's fine structure (rain's small drops, fire's grit), so rain came out with
under half its onset rate; grains of 60-100 ms from random places keep that structure and copy
no stretch of the clip in order. The grains' average level has none of the clip's slow movement,
so each mel band's level course is continued separately by multivariate phase randomisation
(the clip's modulation periodogram with one set of random phases for every band, which keeps the
bands moving together as they did) and starts from the level the clip has at the seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.continuation import features as ft
from soundloom_server.engine.continuation.analysis import EVENT_FRAME_RATIO, Split, recent_frames

SEAM_RELAX_S = 1.5
SEAM_STATE_S = 0.25  # the bed's level at the seam: its mean over this long before it
MAX_MODULATION_DB = 12.0
GRAIN_S = 0.08
GRAIN_SPREAD = 0.25  # grain lengths vary ±25 % so their joins fall on no fixed grid


@dataclass(frozen=True)
class BedModel:
    """What the bed's continuation is made from."""

    bed: np.ndarray  # (frames, channels) the clip's bed signal, the grains' source
    deviation_db: np.ndarray  # (frames, bands) the bed's slow level around its mean
    seam_deviation_db: np.ndarray  # (bands,) that level just before the seam
    sample_rate: int


def event_mask(mel: np.ndarray, bed: np.ndarray) -> np.ndarray:
    """Per mel band and frame, the share of power that belongs to events (0 where the rise over
    the bed is under 1.5 dB: the bed's own fluctuation stays in the bed)."""
    ratio = bed / np.maximum(mel, ft.EPS)
    return np.where(ratio * EVENT_FRAME_RATIO < 1.0, 1.0 - ratio, 0.0)


def band_to_bin(sample_rate: int) -> np.ndarray:
    """(bins, bands) weights spreading mel-band values over STFT bins; rows sum to one."""
    fb = ft.mel_filterbank(sample_rate)
    weights = fb.T.copy()
    freqs = np.fft.rfftfreq(ft.N_FFT, 1.0 / sample_rate)
    empty = weights.sum(axis=1) <= 0
    # Bins below the first band or above the last take that band's value.
    weights[empty & (freqs < ft.MEL_FMIN_HZ * 2), 0] = 1.0
    weights[empty & (freqs >= ft.MEL_FMIN_HZ * 2), -1] = 1.0
    return weights / weights.sum(axis=1, keepdims=True)


def bed_signal(split: Split, length: int, deviation_db: np.ndarray) -> np.ndarray:
    """The clip's bed alone and flattened: events replaced, its slow course divided out.

    Where an event rose over the bed, the frame keeps its spectrum scaled down to the bed's level
    with random phases: no hole (a hole's end would be an onset of its own in every grain that
    holds it) and no remnant click (random phases spread it over the frame). Flattening makes
    every place in the clip sound alike, so grains from different places join without a step.
    """
    weights = band_to_bin(split.sample_rate).T.astype(np.float32)  # (bands, bins)
    # Single precision throughout: these are gains on a float32 STFT.
    flatten = np.power(10.0, -deviation_db / 20.0).astype(np.float32) @ weights
    rng = np.random.default_rng(0)  # part of the analysis: the same clip, the same bed
    out = np.empty((length, len(split.spectra)), dtype=np.float32)
    angles = rng.uniform(0.0, 2.0 * np.pi, split.spectra[0].shape).astype(np.float32)
    phases = np.cos(angles) + 1j * np.sin(angles)
    keep = np.float32(1.0 / (1.0 - 1.0 / EVENT_FRAME_RATIO))
    for ch, (spectrum, mel, bed) in enumerate(
        zip(split.spectra, split.mel, split.bed_mel, strict=True)
    ):
        mask = event_mask(mel, bed).astype(np.float32)
        replaced = np.clip(mask * keep, 0.0, 1.0) @ weights
        to_bed = np.sqrt(np.clip(bed / np.maximum(mel, ft.EPS), 0.0, 1.0)).astype(np.float32)
        filled = spectrum * (1.0 - replaced)
        filled += np.abs(spectrum) * (to_bed @ weights) * replaced * phases
        filled *= flatten
        out[:, ch] = ft.istft(filled, length)
    return out


def learn_bed(split: Split, length: int, seam_s: float) -> BedModel:
    """The bed signal, its slow level course, and that course at the seam."""
    mono_bed = sum(split.bed_mel) / len(split.bed_mel)
    level_db = 10.0 * np.log10(mono_bed + ft.EPS)
    mean = level_db.mean(axis=0)
    deviation = np.clip(level_db - mean, -MAX_MODULATION_DB, MAX_MODULATION_DB)
    seam_frame = min(split.frames, max(1, round(seam_s * split.frame_rate)))
    state = slice(max(0, seam_frame - max(1, round(SEAM_STATE_S * split.frame_rate))), seam_frame)
    recent = recent_frames(split, split.frames / split.frame_rate)
    # At the seam the course starts where the clip is; it is measured against the clip's last
    # seconds, which the spectrum match sets the continuation's mean level to.
    seam_deviation = level_db[state].mean(axis=0) - level_db[recent].mean(axis=0)
    return BedModel(
        bed=bed_signal(split, length, deviation),
        deviation_db=deviation,
        seam_deviation_db=np.clip(seam_deviation, -MAX_MODULATION_DB, MAX_MODULATION_DB),
        sample_rate=split.sample_rate,
    )


def continue_modulation(
    deviation_db: np.ndarray, frames: int, rng: np.random.Generator
) -> np.ndarray:
    """A new (frames, bands) level course with the same modulation spectrum as `deviation_db`.

    The clip's periodogram per band is interpolated onto the new length's frequency grid; each
    frequency keeps the bands' relative phases in the clip and gets one random phase shared by
    all bands (Prichard & Theiler's multivariate surrogate), so the course is new but the bands
    rise and fall together as they did.
    """
    source_frames, bands = deviation_db.shape
    if source_frames < 8 or frames < 2:
        return np.zeros((frames, bands))
    spectrum = np.fft.rfft(deviation_db - deviation_db.mean(axis=0), axis=0)
    psd = np.square(np.abs(spectrum)) / source_frames
    f_source = np.fft.rfftfreq(source_frames)
    f_new = np.fft.rfftfreq(frames)
    psd_new = np.stack([np.interp(f_new, f_source, psd[:, b]) for b in range(bands)], axis=1)
    nearest = np.minimum(np.round(f_new * source_frames).astype(int), spectrum.shape[0] - 1)
    phases = rng.uniform(0.0, 2.0 * np.pi, f_new.shape[0])
    shaped = np.sqrt(psd_new * frames) * np.exp(
        1j * (np.angle(spectrum[nearest]) + phases[:, None])
    )
    shaped[0] = 0.0
    course = np.fft.irfft(shaped, n=frames, axis=0)
    return with_values_of(course, deviation_db - deviation_db.mean(axis=0))


def with_values_of(course: np.ndarray, source: np.ndarray) -> np.ndarray:
    """`course` (frames, bands) with each band's values replaced, rank for rank, by the
    source band's (at the course's length): the amplitude adjustment of an AAFT surrogate.

    Random phases make a course Gaussian: with a fire's 5-6 dB of swing its peaks reached
    +19 dB where the clip never rose over +11 dB, and a crackle 13 dB over anything in the clip
    came out. Re-ranking keeps when the course rises and falls, and takes how far from the clip.
    """
    frames = course.shape[0]
    levels = np.sort(source, axis=0)
    at = (np.arange(frames) + 0.5) / frames * source.shape[0] - 0.5
    grid = np.arange(source.shape[0])
    values = np.stack([np.interp(at, grid, levels[:, b]) for b in range(source.shape[1])], 1)
    out = np.empty_like(course)
    np.put_along_axis(out, np.argsort(course, axis=0), values, axis=0)
    return out


def seam_pull(
    model: BedModel, course_db: np.ndarray, seam_frame: int, hop: int = ft.HOP
) -> np.ndarray:
    """What to add to a level course (frames, bands) so it starts from the clip's seam level.

    The pull decays over SEAM_RELAX_S: the continuation joins where the clip is, then goes its
    own way.
    """
    frames = course_db.shape[0]
    seam_frame = min(max(seam_frame, 0), frames - 1)
    t = (np.arange(frames) - seam_frame) / (model.sample_rate / hop)
    pull = np.exp(-np.maximum(t, 0.0) / SEAM_RELAX_S)[:, None]
    return (model.seam_deviation_db - course_db[seam_frame]) * pull


def granulate(
    source: np.ndarray, length: int, sample_rate: int, rng: np.random.Generator
) -> np.ndarray:
    """`length` samples of grains from random places in `source`, joined at equal power.

    Each grain comes from anywhere in the clip, so no stretch of it is copied in order; the
    grains' sin/cos window halves overlap by half, and their squares sum to one.
    """
    frames, channels = source.shape
    out = np.zeros((length + round(4 * GRAIN_S * sample_rate), channels), dtype=np.float32)
    t = 0
    while t < length:
        spread = 1.0 + GRAIN_SPREAD * rng.uniform(-1.0, 1.0)
        half = max(8, min(round(GRAIN_S * sample_rate * spread / 2), frames // 2))
        grain = 2 * half
        start = int(rng.integers(0, frames - grain + 1))
        rise = np.sin(0.5 * np.pi * (np.arange(half) + 0.5) / half)
        win = np.concatenate([rise, rise[::-1]]).astype(np.float32)
        out[t : t + grain] += source[start : start + grain] * win[:, None]
        t += half
    return out[:length]
