"""A continuation's audio: grains of the bed plus re-emitted events under the continued level
course; its spectrum matched to the clip's last seconds, its loudness to theirs, and its level
over the first second after the seam to the clip's last second before it."""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from soundloom_server.engine.continuation import features as ft
from soundloom_server.engine.continuation.analysis import (
    Split,
    halves_distance_db,
    onsets_before,
    recent_frames,
    split_bed_events,
)
from soundloom_server.engine.continuation.events import (
    REGULAR_CV,
    event_residual,
    learn_events,
    render_events,
    scaled,
)
from soundloom_server.engine.continuation.seam import (
    LEVEL_RELAX_S,
    LEVEL_WINDOW_S,
    MAX_LEVEL_MATCH_DB,
)
from soundloom_server.engine.continuation.texture import (
    band_to_bin,
    continue_modulation,
    granulate,
    learn_bed,
    seam_pull,
)
from soundloom_server.engine.loudness import k_weighting_sos

MAX_CORRECTION_DB = 12.0
# The events' level may move this far from the clip's (measured: ±3 dB keeps rain's onset rate
# and fire's loudness both in range; ±9 let loudness starve rain of audible drops).
MAX_EVENT_BALANCE_DB = 3.0
# A beat's onsets come from its timing (every beat is re-emitted), not from how many events rise
# over the bed, so its events may move further: a clock's ticks cut from the clip carry more
# than their share of its power (measured -4.1 dB), and at ±3 dB its level had to give way.
MAX_BEAT_BALANCE_DB = 6.0
SOLVE_ROUNDS = 5
MEL_FRAME_STRIDE = 4
# When bed and events cannot match both the log-mel average and the loudness, the level is
# moved between them in proportion to what each may miss by: loudness this many LU, the log-mel
# average as much as the clip's own halves differ (a steady clock has no room, a fire plenty).
LOUDNESS_TOLERANCE_LU = 0.5
BLOCK_S = 0.4
RELATIVE_GATE_LU = 10.0
RATE_ROUNDS = 3
RATE_TOLERANCE = 0.12
MAX_RATE_SCALE = 3.0
SYNTH_HOP = 512  # 50 % overlap: the gains applied are smooth in time


def render_continuation(
    clip: np.ndarray,
    sample_rate: int,
    seam_s: float,
    lead_s: float,
    crossfade_s: float,
    length: int,
    rng: np.random.Generator,
    events: bool = True,
) -> np.ndarray:
    """`length` samples continuing `clip` (frames, channels) from `seam_s`; sample 0 is
    `lead_s` before the seam (the crossfade's first half), so the seam is at sample lead."""
    split = split_bed_events(clip, sample_rate)
    lead = round(lead_s * sample_rate)
    bed_rng, event_rng, course_rng = (
        np.random.default_rng(k) for k in rng.integers(0, 2**63 - 1, 3)
    )
    bed_model = learn_bed(split, clip.shape[0], seam_s)
    grains = granulate(bed_model.bed, length, sample_rate, bed_rng)
    # The bed's spectra are the same for every attempt at the events' rate: taken once.
    bed_spectra = [ft.stft(grains[:, ch], hop=SYNTH_HOP) for ch in range(grains.shape[1])]
    frames = length // SYNTH_HOP + 1
    step = SYNTH_HOP // ft.HOP
    # The course moves slowly: continue it at the synthesis frame rate.
    course = continue_modulation(bed_model.deviation_db[::step], frames, course_rng)
    course += seam_pull(bed_model, course, lead // SYNTH_HOP, SYNTH_HOP)
    model = learn_events(split, event_residual(split, clip.shape[0]), seam_s) if events else None
    if model is None or model.empty:
        return shape_and_match(bed_spectra, None, course, split, seam_s, lead, crossfade_s, length)
    first_after = seam_s + crossfade_s / 2.0
    skip = lead + round(crossfade_s * sample_rate)
    wanted = clip_onset_rate(split)
    # A regular beat (a clock) keeps its tempo; only irregular events have their rate fitted.
    beat = np.std(model.gaps_s) <= REGULAR_CV * np.mean(model.gaps_s)
    rate_scale = 1.0 if beat else dead_time_scale(wanted)
    rounds = 1 if beat else RATE_ROUNDS
    limit_db = MAX_BEAT_BALANCE_DB if beat else MAX_EVENT_BALANCE_DB
    for attempt in range(rounds):
        # Every attempt draws the same events, only their spacing changes.
        draw = np.random.default_rng(event_rng.bit_generator.seed_seq)  # type: ignore[attr-defined]
        sounds = render_events(
            scaled(model, rate_scale), length, clip.shape[1], seam_s - lead_s, first_after, draw
        )
        out = shape_and_match(
            bed_spectra, sounds, course, split, seam_s, lead, crossfade_s, length, limit_db
        )
        got = ft.onset_rate(out[skip:], sample_rate) if length - skip > sample_rate else wanted
        if attempt + 1 == rounds or got <= 0 or abs(got / wanted - 1.0) <= RATE_TOLERANCE:
            return out
        # Grains and events mask one another differently from the clip; the spacing that gives
        # the clip's onset rate is found by measuring it, like the spectrum.
        scale = float(np.clip(rate_scale * wanted / got, 1.0 / MAX_RATE_SCALE, MAX_RATE_SCALE))
        if scale == rate_scale:
            return out  # at the cap already: another try would make the same events
        rate_scale = scale
    return out


def dead_time_scale(wanted_hz: float) -> float:
    """Where the events' rate fit starts: the factor on the clip's rate at which Poisson events
    give `wanted_hz` onsets to a picker that keeps one per ONSET_MIN_GAP_S.

    Such a picker counts λ·exp(-λg) of λ events per second (a paralysable dead time g), so
    emitting at the clip's own counted rate counts fewer (fire: 4.8 of 6.7 predicted, 5.0
    measured). The smaller root of λ·exp(-λg) = wanted is the start; past the curve's top
    (wanted·g > 1/e, dense rain) no rate counts that many and λ = 1/g counts the most.
    """
    gap = ft.ONSET_MIN_GAP_S
    if wanted_hz <= 0.0:
        return 1.0
    if wanted_hz * gap >= 1.0 / math.e:
        rate = 1.0 / gap
    else:
        rate = wanted_hz
        for _ in range(50):  # the fixed point λ = wanted·exp(λg) converges on the smaller root
            rate = wanted_hz * math.exp(rate * gap)
    return float(np.clip(rate / wanted_hz, 1.0, MAX_RATE_SCALE))


def clip_onset_rate(split: Split) -> float:
    """The clip's onsets per second."""
    seconds = split.frames / split.frame_rate
    return max(onsets_before(split, seconds + 1.0).shape[0] / max(seconds, 1e-9), 1e-9)


def shape_and_match(
    bed_spectra: list[np.ndarray],
    sounds: np.ndarray | None,
    course_db: np.ndarray,
    split: Split,
    seam_s: float,
    lead: int,
    crossfade_s: float,
    length: int,
    balance_limit_db: float = MAX_EVENT_BALANCE_DB,
) -> np.ndarray:
    """Impose the level course (frames, bands, dB) on bed and events, then solve three things
    together and apply them in one inverse STFT per channel:

    - a static per-band correction so the time-averaged log-mel equals the clip's last RECENT_S
      (grains and events get it right to within a few dB);
    - the events' level against the bed, so the K-weighted mean power (what integrated loudness
      measures) also equals the clip's: the log-mel average alone lets sparse loud events drift;
    - a level match of the first second after the seam to the clip's last second before it,
      held for that second and relaxed over LEVEL_RELAX_S.

    The solve runs on mel-band powers (gains are per band, so bed, events and their cross term
    can be summed per band once), a few rounds because each part moves the others.
    """
    sr = split.sample_rate
    hop = SYNTH_HOP
    rate = sr / hop
    spread = band_to_bin(sr)  # (bins, bands)
    fb = ft.mel_filterbank(sr)  # (bands, bins)
    channels = len(bed_spectra)
    event_spectra = (
        [ft.stft(sounds[:, ch], hop=hop) for ch in range(channels)] if sounds is not None else []
    )
    frames = bed_spectra[0].shape[0]
    k_weight = _k_weights(sr)
    # Per band: mono powers under the log-mel filters; all-channel K-weighted powers under the
    # bands' partition of the bins (for loudness and level).
    bins = _bin_weights(fb.shape[1])
    loud_parts, level_parts = _band_parts(
        bed_spectra, event_spectra, [spread * (k_weight * bins)[:, None], spread * bins[:, None]]
    )
    skip = min((lead + round(crossfade_s * sr)) // hop, max(frames - 8, 0))
    recent = recent_frames(split, split.frames / split.frame_rate)
    target_mel = split.mono_log_mel[recent].mean(axis=0)
    clip_power = sum(np.square(np.abs(s[recent])) for s in split.spectra) / len(split.spectra)
    clip_loud = (clip_power * (k_weight * _bin_weights(k_weight.shape[0]))[None, :]).sum(axis=1)
    target_loud = _gated_level(clip_loud, split.frame_rate)
    seam_frame = min(lead // hop, frames - 1)
    window = max(1, round(LEVEL_WINDOW_S * rate))
    seam_clip = round(seam_s * split.frame_rate)
    clip_window = round(LEVEL_WINDOW_S * split.frame_rate)
    before = _level(
        sum(
            np.square(np.abs(s[max(0, seam_clip - clip_window) : seam_clip])) for s in split.spectra
        )
        / len(split.spectra)
    )
    t = (np.arange(frames) - seam_frame - window) / rate
    hold = np.exp(-np.maximum(t, 0.0) / LEVEL_RELAX_S)[:, None]
    share = loudness_share(split)
    correction = np.zeros(fb.shape[0])
    balance = 1.0
    step_db = offset_db = 0.0
    body = slice(skip, None)
    head = slice(seam_frame, seam_frame + window)
    # The log-mel average is taken per bin (a bin's gain mixes neighbouring bands' corrections,
    # which matters where the correction changes fast from band to band) on every 4th frame.
    sub = np.arange(skip, frames, MEL_FRAME_STRIDE)
    mono_bins = _bin_parts(bed_spectra, event_spectra, sub)
    for _ in range(SOLVE_ROUNDS):
        bin_gain = np.power(
            10.0, ((course_db[sub] + correction[None, :] + step_db * hold[sub]) @ spread.T) / 10.0
        )
        got_mel = 10.0 * np.log10(
            (_mixed(mono_bins, balance, slice(None)) * bin_gain) @ fb.T + ft.EPS
        )
        correction = np.clip(
            correction + target_mel + offset_db - got_mel.mean(axis=0),
            -MAX_CORRECTION_DB,
            MAX_CORRECTION_DB,
        )
        gain = np.power(10.0, (course_db + correction[None, :] + step_db * hold) / 10.0)
        if event_spectra:
            balance = _solve_balance(loud_parts, gain, body, target_loud, rate, balance_limit_db)
        got_loud = _gated_level((_mixed(loud_parts, balance, body) * gain[body]).sum(axis=1), rate)
        at_limit = balance in (_amp(-balance_limit_db), _amp(balance_limit_db))
        if event_spectra and at_limit:
            # The events cannot carry the loudness alone: the level moves `share` of the way to
            # the loudness target, away from the log-mel's (got_loud - offset_db is the level
            # without the offset; the log-mel's shape over the bands is still matched).
            offset_db = share * (target_loud - got_loud + offset_db)
        after = _frames_level(_mixed(level_parts, balance, head) * gain[head])
        step_db = float(np.clip(step_db + before - after, -MAX_LEVEL_MATCH_DB, MAX_LEVEL_MATCH_DB))
    level_db = (course_db + correction[None, :] + step_db * hold).astype(np.float32)
    gain = np.exp((level_db @ spread.T.astype(np.float32)) * np.float32(np.log(10.0) / 20.0))
    out = np.empty((length, channels), dtype=np.float32)
    for ch in range(channels):
        spectrum = bed_spectra[ch]
        if event_spectra:
            spectrum = spectrum + event_spectra[ch] * np.float32(balance)
        out[:, ch] = ft.istft(spectrum * gain, length, hop=hop)
    return out


def loudness_share(split: Split) -> float:
    """How far towards the loudness target (0-1) a level compromise goes: the clip's halves'
    texture distance against LOUDNESS_TOLERANCE_LU (see shape_and_match)."""
    halves_db = halves_distance_db(split)
    return halves_db / (halves_db + LOUDNESS_TOLERANCE_LU)


def _solve_balance(
    parts: tuple[np.ndarray, np.ndarray, np.ndarray],
    gain: np.ndarray,
    rows: slice,
    target_db: float,
    frame_rate: float,
    limit_db: float = MAX_EVENT_BALANCE_DB,
) -> float:
    """The events' gain a for which the gated loudness of bed + a·cross + a²·events hits the
    target.

    Over the blocks the gate keeps, mean power is a quadratic in a; its positive root is the
    answer (the gate is decided, then the root taken, twice), kept within
    ±limit_db (a bed already louder than the target leaves the events at the floor).
    """
    per_frame = [(p[rows] * gain[rows]).sum(axis=1) for p in parts]  # bed, events, cross
    blocks = [_blocks(p, frame_rate) for p in per_frame]
    low, high = _amp(-limit_db), _amp(limit_db)
    balance = 1.0
    target = 10.0 ** (target_db / 10.0)
    for _ in range(2):
        total = blocks[0] + balance * balance * blocks[1] + balance * blocks[2]
        kept = _gate(total)
        a0, a2, a1 = (float(b[kept].mean()) for b in blocks)
        if a2 <= ft.EPS:
            return 1.0
        disc = a1 * a1 - 4.0 * a2 * (a0 - target)
        root = (-a1 + np.sqrt(disc)) / (2.0 * a2) if disc >= 0.0 else low
        balance = float(low) if root <= low else float(high) if root >= high else float(root)
    return balance


def _blocks(frame_power: np.ndarray, frame_rate: float) -> np.ndarray:
    """Mean power of BS.1770's 400 ms blocks (75 % overlap) from per-frame powers."""
    length = max(1, round(BLOCK_S * frame_rate))
    step = max(1, length // 4)
    if frame_power.shape[0] <= length:
        return np.array([frame_power.mean()])
    sums = np.concatenate([[0.0], np.cumsum(frame_power, dtype=np.float64)])
    starts = np.arange(0, frame_power.shape[0] - length + 1, step)
    return (sums[starts + length] - sums[starts]) / length


def _gate(blocks: np.ndarray) -> np.ndarray:
    """BS.1770's relative gate (10 LU under the ungated mean) on block powers."""
    relative = blocks.mean() * 10.0 ** (-RELATIVE_GATE_LU / 10.0)
    kept = blocks > relative
    return kept if kept.any() else np.ones_like(kept)


def _gated_level(frame_power: np.ndarray, frame_rate: float) -> float:
    """Gated loudness (dB, this module's STFT units) of per-frame K-weighted powers."""
    blocks = _blocks(frame_power, frame_rate)
    return float(10.0 * np.log10(blocks[_gate(blocks)].mean() + ft.EPS))


def _bin_parts(
    beds: list[np.ndarray], events: list[np.ndarray], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bin powers of the mono bed, mono events and twice their cross term, at `rows`."""
    b = sum(x[rows] for x in beds) / len(beds)
    if not events:
        zero = np.zeros(b.shape, dtype=np.float32)
        return np.square(np.abs(b)), zero, zero
    e = sum(x[rows] for x in events) / len(events)
    return np.square(np.abs(b)), np.square(np.abs(e)), 2.0 * np.real(b * np.conj(e))


def _band_parts(
    beds: list[np.ndarray], events: list[np.ndarray], matrices: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Band powers (frames, bands) of the bed, the events and twice their cross term, averaged
    over channels, under each (bins, bands) matrix: the bins' powers are taken once."""
    bed_bins = sum(np.square(np.abs(b)) for b in beds) / len(beds)
    if events:
        event_bins = sum(np.square(np.abs(e)) for e in events) / len(beds)
        cross_bins = sum(
            2.0 * np.real(b * np.conj(e)) for b, e in zip(beds, events, strict=True)
        ) / len(beds)
    parts = []
    for matrix in matrices:
        m = matrix.astype(np.float32)
        bed_p = (bed_bins @ m).astype(np.float64)
        if events:
            parts.append(
                (bed_p, (event_bins @ m).astype(np.float64), (cross_bins @ m).astype(np.float64))
            )
        else:
            parts.append((bed_p, np.zeros_like(bed_p), np.zeros_like(bed_p)))
    return parts


def _mixed(
    parts: tuple[np.ndarray, np.ndarray, np.ndarray], balance: float, rows: slice
) -> np.ndarray:
    bed_p, event_p, cross_p = parts
    return np.maximum(
        bed_p[rows] + balance * balance * event_p[rows] + balance * cross_p[rows], 0.0
    )


def _frames_level(band_power: np.ndarray) -> float:
    """Level (dB) of per-band frame powers: the mean over frames of their sum."""
    return float(10.0 * np.log10(band_power.sum(axis=1).mean() + ft.EPS))


def _amp(db: np.ndarray | float) -> np.ndarray:
    return np.power(10.0, np.asarray(db) / 20.0)


def _bin_weights(bins: int) -> np.ndarray:
    """Bins 1..N/2-1 stand for two (the negative frequencies), DC and Nyquist for one."""
    weights = np.full(bins, 2.0)
    weights[0] = weights[-1] = 1.0
    return weights


def _k_weights(sample_rate: int) -> np.ndarray:
    """|K-weighting|² per STFT bin (BS.1770's pre-filter), so mean power tracks loudness."""
    freqs = np.fft.rfftfreq(ft.N_FFT, 1.0 / sample_rate)
    _, response = signal.sosfreqz(k_weighting_sos(sample_rate), worN=freqs, fs=sample_rate)
    return np.square(np.abs(response))


def _level(power: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Level (dB) of a stretch of STFT power (frames, bins): its mean energy per frame."""
    w = _bin_weights(power.shape[1]) * (1.0 if weights is None else weights)
    return float(10.0 * np.log10((power @ w).mean() + ft.EPS))
