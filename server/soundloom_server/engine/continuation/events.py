"""The events' continuation: the clip's own transients, re-emitted with its inter-onset timing.

Each onset's event is cut from the clip's event residual (the clip with its bed masked out, so a
re-emitted event does not bring a second copy of the bed along), then varied on every emission:
resampled by a few percent (pitch and length) and a little louder or softer, so no emission is
a copy. New onsets follow the last one before the seam by
inter-onset gaps drawn from the clip's own (bootstrap, slightly jittered), so a clock keeps its
beat and rain its density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.continuation import features as ft
from soundloom_server.engine.continuation.analysis import Split, onsets_before
from soundloom_server.engine.continuation.texture import band_to_bin, event_mask

PRE_ONSET_S = 0.005
MAX_EVENT_S = 0.25
FADE_IN_S = 0.002
FADE_OUT_S = 0.015
RESAMPLE_SPREAD = 0.045  # std of the log speed change per emission (±4.5 %)
RESAMPLE_LIMIT = 0.09
GAIN_SPREAD_DB = 1.0
GAP_JITTER = 0.04  # std of the relative change of a drawn inter-onset gap
REGULAR_CV = 0.3  # inter-onset std / mean below this is a beat (a clock), not a scatter
MIN_ONSETS = 4  # fewer are as likely the bed's own fluctuations as events


@dataclass(frozen=True)
class EventModel:
    """The clip's events: snippets (each (frames, channels)), their gaps and the last onset."""

    snippets: tuple[np.ndarray, ...]
    gaps_s: np.ndarray
    last_onset_s: float
    sample_rate: int

    @property
    def empty(self) -> bool:
        """No events to re-emit (a steady bed)."""
        return not self.snippets or self.gaps_s.size == 0


def event_residual(split: Split, length: int) -> np.ndarray:
    """The clip's events alone: each channel's STFT under a soft mask of what rises over the bed."""
    weights = band_to_bin(split.sample_rate).T.astype(np.float32)  # (bands, bins)
    out = np.empty((length, len(split.spectra)), dtype=np.float32)
    for ch, (spectrum, mel, bed) in enumerate(
        zip(split.spectra, split.mel, split.bed_mel, strict=True)
    ):
        # Power subtraction: the residual carries the event's power above the bed, no more.
        mask = np.sqrt(event_mask(mel, bed)).astype(np.float32)
        out[:, ch] = ft.istft(spectrum * (mask @ weights), length)
    return out


def learn_events(split: Split, residual: np.ndarray, seam_s: float) -> EventModel:
    """Cut the events before the seam out of the residual and keep their spacing."""
    sr = split.sample_rate
    onsets = onsets_before(split, seam_s - PRE_ONSET_S)
    if onsets.shape[0] < MIN_ONSETS:
        return EventModel((), np.zeros(0), 0.0, sr)
    pre = round(PRE_ONSET_S * sr)
    limit = round(seam_s * sr)
    snippets = []
    for i, onset in enumerate(onsets):
        start = max(0, round(onset * sr) - pre)
        nxt = round(onsets[i + 1] * sr) - pre if i + 1 < onsets.shape[0] else limit
        stop = min(start + round(MAX_EVENT_S * sr), nxt, limit)
        if stop - start < round(0.01 * sr):
            continue
        snippet = residual[start:stop].astype(np.float64)
        snippets.append(_taper(snippet, sr))
    gaps = np.diff(onsets)
    if gaps.std() > REGULAR_CV * gaps.mean():
        # Gaps between irregular onsets miss the waits before the first and after the last:
        # scale them so that the re-emitted rate is the clip's own count per second. A beat
        # keeps its period.
        gaps = gaps * (seam_s / onsets.shape[0]) / max(float(gaps.mean()), 1e-6)
    return EventModel(tuple(snippets), gaps, float(onsets[-1]), sr)


def _taper(snippet: np.ndarray, sample_rate: int) -> np.ndarray:
    n_in = min(round(FADE_IN_S * sample_rate), snippet.shape[0] // 4)
    n_out = min(round(FADE_OUT_S * sample_rate), snippet.shape[0] // 2)
    out = snippet.copy()
    if n_in:
        out[:n_in] *= (0.5 - 0.5 * np.cos(np.pi * np.arange(n_in) / n_in))[:, None]
    if n_out:
        out[-n_out:] *= (0.5 + 0.5 * np.cos(np.pi * np.arange(1, n_out + 1) / n_out))[:, None]
    return out


def scaled(model: EventModel, rate_scale: float) -> EventModel:
    """The same events at `rate_scale` times their rate (gaps divided by it)."""
    if rate_scale == 1.0:
        return model
    return EventModel(
        model.snippets, model.gaps_s / rate_scale, model.last_onset_s, model.sample_rate
    )


def emission_times(
    model: EventModel, first_after_s: float, end_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Onset times (clip time) after `first_after_s` up to `end_s`, continuing the clip's beat."""
    times = []
    t = model.last_onset_s
    while True:
        gap = float(model.gaps_s[rng.integers(model.gaps_s.shape[0])])
        t += max(gap * (1.0 + GAP_JITTER * rng.standard_normal()), ft.ONSET_MIN_GAP_S)
        if t >= end_s:
            break
        if t > first_after_s:
            times.append(t)
    return np.asarray(times)


def render_events(
    model: EventModel,
    length: int,
    channels: int,
    origin_s: float,
    first_after_s: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """`length` samples of re-emitted events; sample 0 is clip time `origin_s`."""
    out = np.zeros((length, channels), dtype=np.float64)
    if model.empty:
        return out.astype(np.float32)
    sr = model.sample_rate
    end_s = origin_s + length / sr
    pre = round(PRE_ONSET_S * sr)
    previous = -1
    times = emission_times(model, first_after_s, end_s, rng)
    for i, t in enumerate(times):
        pick = int(rng.integers(len(model.snippets)))
        if pick == previous and len(model.snippets) > 1:
            pick = (pick + 1 + int(rng.integers(len(model.snippets) - 1))) % len(model.snippets)
        previous = pick
        snippet = _vary(model.snippets[pick], rng)
        if i + 1 < times.shape[0]:
            # An event ends where the next begins, as the clip's were cut: a tail running on
            # under the next onset would blunt the rise that onset makes.
            snippet = _until(snippet, round((times[i + 1] - t) * sr), sr)
        start = round((t - origin_s) * sr) - pre
        lo, hi = max(start, 0), min(start + snippet.shape[0], length)
        if hi <= lo:
            continue
        source = snippet[lo - start : hi - start]
        out[lo:hi] += source if source.shape[1] == channels else source.mean(axis=1, keepdims=True)
    return out.astype(np.float32)


def _until(snippet: np.ndarray, frames: int, sample_rate: int) -> np.ndarray:
    """The snippet cut to `frames`, with a short fade."""
    if snippet.shape[0] <= frames:
        return snippet
    frames = max(frames, 16)
    cut = snippet[:frames].copy()
    fade = min(round(FADE_OUT_S * sample_rate / 3), frames // 2)
    if fade:
        cut[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    return cut


def _vary(snippet: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One emission of an event: a few percent faster or slower, a little louder or softer."""
    shift = np.clip(RESAMPLE_SPREAD * rng.standard_normal(), -RESAMPLE_LIMIT, RESAMPLE_LIMIT)
    frames = max(8, round(snippet.shape[0] / float(np.exp(shift))))
    # Linear interpolation: a few percent of speed change needs no band-limited resampler, and
    # FFT resampling of thousands of odd-length snippets was most of a continuation's time.
    at = np.linspace(0.0, snippet.shape[0] - 1.0, frames)
    left = np.minimum(at.astype(np.int64), snippet.shape[0] - 2)
    frac = (at - left)[:, None]
    # All channels at once: the same positions for each.
    varied = snippet[left] * (1.0 - frac) + snippet[left + 1] * frac
    return varied * 10.0 ** (GAIN_SPREAD_DB * rng.standard_normal() / 20.0)
