"""Mixing: place rendered clips on the timeline, duck beds under one-shots, add the scene reverb.

Beds (ambience) and one-shots (sfx) go to separate stems; ducking and reverb act per stem, so the
stems always sum to the mix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from soundloom_server.engine import automation, reverb
from soundloom_server.engine.audio import Clip, as_channels, seconds_to_frames
from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.plan import Event, EventKind, ScenePlan

STEMS = ("ambience", "sfx")
# Reverb sends: one-shots sit in the space; beds are mostly already diffuse recordings of it.
SENDS = {"ambience": 0.5, "sfx": 1.0}
DUCK_BLOCK_S = 0.001  # side-chain control rate
DUCK_ATTACK_S = 0.010
DUCK_RELEASE_S = 0.400
DUCK_MAX_DB = 6.0
DUCK_KNEE_DB = 12.0  # full reduction when the one-shot is this far above the bed
DUCK_BED_WINDOW_S = 0.4  # the bed's level is its mean power over this window


@dataclass(frozen=True)
class MixResult:
    """The mix and its stems ("ambience", "sfx"); the stems sum to the mix."""

    mix: np.ndarray
    stems: dict[str, np.ndarray]


# ---------------------------------------------------------------- placement


def pan_gains(pan: float, source_channels: int) -> np.ndarray:
    """Equal-power (L, R) gains: mono sources pan (centre -3 dB), stereo ones balance (centre 1)."""
    theta = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4.0
    gains = np.array([math.cos(theta), math.sin(theta)])
    if source_channels == 1:
        return gains
    # Balance: the near side stays at unity, the far side follows the equal-power law.
    return np.minimum(gains * math.sqrt(2.0), 1.0)


def fade_curve(t: np.ndarray, kind: EventKind) -> np.ndarray:
    """Fade-in gain at t in [0, 1]: equal-power for beds (crossfades), raised-cosine otherwise."""
    if kind == EventKind.AMBIENCE:
        return np.sin(0.5 * np.pi * t)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def _fade_envelope(
    event: Event, lo: int, hi: int, event_frames: int, sample_rate: int
) -> np.ndarray:
    k = np.arange(lo, hi, dtype=np.float64)
    env = np.ones(hi - lo)
    fade_in = min(seconds_to_frames(event.fade_in_s, sample_rate), event_frames)
    fade_out = min(seconds_to_frames(event.fade_out_s, sample_rate), event_frames)
    if fade_in:
        env *= fade_curve(np.clip(k / fade_in, 0.0, 1.0), event.kind)
    if fade_out:
        env *= fade_curve(np.clip((event_frames - 1 - k) / fade_out, 0.0, 1.0), event.kind)
    return env


def _place(target: np.ndarray, event: Event, clip: Clip, sample_rate: int) -> None:
    total, channels = target.shape
    start = seconds_to_frames(event.start_s, sample_rate)
    event_frames = seconds_to_frames(event.duration_s, sample_rate)
    samples = np.asarray(clip.samples, dtype=np.float32)
    samples = samples[:, None] if samples.ndim == 1 else samples
    length = min(samples.shape[0], event_frames, total - start)
    if length <= 0:
        return
    if channels == 1:
        source = as_channels(samples[:length], 1)
        coeffs = np.ones(1)
    else:
        source = samples[:length] if samples.shape[1] == 2 else as_channels(samples[:length], 1)
        coeffs = pan_gains(event.pan, source.shape[1])
    coeffs = (coeffs * 10.0 ** (event.gain_db / 20.0)).astype(np.float32)
    if channels == 2 and event.automation.pan:
        _place_panned(target, event, source, start, event_frames, sample_rate)
        return
    # Only the fade regions need a per-frame envelope; the body is one scaled add.
    head = min(seconds_to_frames(event.fade_in_s, sample_rate), length)
    tail = min(max(event_frames - seconds_to_frames(event.fade_out_s, sample_rate), head), length)
    for lo, hi in ((0, head), (head, tail), (tail, length)):
        if hi <= lo:
            continue
        if (lo, hi) == (head, tail) and source.shape[1] == target.shape[1]:
            # The body (most of a bed): scaled adds per channel, no temporary buffer.
            for ch in range(target.shape[1]):
                dest = target[start + lo : start + hi, ch]
                dest += source[lo:hi, ch] * coeffs[ch]
            continue
        chunk = source[lo:hi] * coeffs
        if (lo, hi) != (head, tail):
            chunk *= _fade_envelope(event, lo, hi, event_frames, sample_rate).astype(np.float32)[
                :, None
            ]
        target[start + lo : start + hi] += chunk


def _place_panned(
    target: np.ndarray,
    event: Event,
    source: np.ndarray,
    start: int,
    event_frames: int,
    sample_rate: int,
) -> None:
    """Place a clip whose pan moves: per-frame equal-power gains from the pan curve."""
    length = source.shape[0]
    gains = automation.pan_gains_over(event, event_frames, source.shape[1])
    assert gains is not None
    gains = gains[:length] * np.float32(10.0 ** (event.gain_db / 20.0))
    env = _fade_envelope(event, 0, length, event_frames, sample_rate).astype(np.float32)
    if source.shape[1] == 1:
        source = np.repeat(source, 2, axis=1)
    target[start : start + length] += source * gains * env[:, None]


# ---------------------------------------------------------------- ducking


def _block_power(audio: np.ndarray, block: int) -> np.ndarray:
    frames = audio.shape[0]
    blocks = -(-frames // block)
    power = np.zeros(blocks * block, dtype=np.float32)
    for ch in range(audio.shape[1]):
        power[:frames] += np.square(audio[:, ch])
    return power.reshape(blocks, block).mean(axis=1, dtype=np.float64) / audio.shape[1]


def duck_gain(ambience: np.ndarray, sfx: np.ndarray, sample_rate: int) -> np.ndarray | None:
    """Control-rate bed gain (one value per `DUCK_BLOCK_S`), or None when nothing ducks."""
    block = max(1, round(DUCK_BLOCK_S * sample_rate))
    key = _block_power(sfx, block)
    if not key.any() or not ambience.any():
        return None
    window = max(1, round(DUCK_BED_WINDOW_S / DUCK_BLOCK_S))
    # The bed's level only matters where a one-shot sounds (plus the averaging window).
    active = np.flatnonzero(key)
    lo_b, hi_b = max(int(active[0]) - window, 0), min(int(active[-1]) + window + 1, key.shape[0])
    bed = np.zeros_like(key)
    bed[lo_b:hi_b] = _block_power(ambience[lo_b * block : hi_b * block], block)[: hi_b - lo_b]
    bed = ndimage.uniform_filter1d(bed, window)
    # Side chain: a one-pole (10 ms) on the one-shots' power; the reduction it asks for is held
    # and released at a steady DUCK_MAX_DB per DUCK_RELEASE_S, then its corners are rounded.
    pole = math.exp(-DUCK_BLOCK_S / DUCK_ATTACK_S)
    level = signal.lfilter([1.0 - pole], [1.0, -pole], key)
    with np.errstate(divide="ignore", invalid="ignore"):
        over_db = 10.0 * np.log10(np.maximum(level, 1e-20) / np.maximum(bed, 1e-20))
    # Threshold at the bed's own level, smooth knee: a one-shot under the bed does nothing.
    t = np.clip(over_db / DUCK_KNEE_DB, 0.0, 1.0)
    wanted = DUCK_MAX_DB * t * t * (3.0 - 2.0 * t)
    ramp = np.arange(wanted.shape[0]) * (DUCK_MAX_DB * DUCK_BLOCK_S / DUCK_RELEASE_S)
    held = np.maximum.accumulate(wanted + ramp) - ramp
    reduction = signal.lfilter([1.0 - pole], [1.0, -pole], np.maximum(held, 0.0))
    reduction[reduction < 1e-4] = 0.0
    if not reduction.any():
        return None
    return 10.0 ** (-reduction / 20.0)


def _apply_control_gain(audio: np.ndarray, gain: np.ndarray, block: int) -> None:
    active = np.flatnonzero(gain < 1.0 - 1e-7)
    if active.size == 0:
        return
    gain = np.append(gain, gain[-1]).astype(np.float32)
    ramp = np.arange(block, dtype=np.float32) / block
    lo_b, hi_b = int(active[0]), int(active[-1]) + 1
    # Linear interpolation between block values keeps the gain free of steps.
    frames = (
        gain[lo_b:hi_b, None] + (gain[lo_b + 1 : hi_b + 1] - gain[lo_b:hi_b])[:, None] * ramp
    ).ravel()
    lo, hi = lo_b * block, min(hi_b * block, audio.shape[0])
    audio[lo:hi] *= frames[: hi - lo, None]


# ---------------------------------------------------------------- scene


def mix_scene(
    plan: ScenePlan,
    clips: Mapping[str, Clip],
    sample_rate: int,
    channels: int,
    seed: int,
    stems: bool = True,
) -> MixResult:
    """Place every event's clip, duck beds under one-shots, add the scene reverb; stems + mix.

    With `stems=False` the reverb runs once on the summed sends (half the convolution work) and
    the result carries no stems.
    """
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    total = seconds_to_frames(plan.duration_s, sample_rate)
    dry = {name: np.zeros((total, channels), dtype=np.float32) for name in STEMS}
    for i, event in enumerate(plan.events):
        raise_if_cancelled()
        clip = clips.get(event.id)
        if clip is None:
            raise KeyError(f"events[{i}] ({event.id!r}) has no rendered clip")
        if clip.sample_rate != sample_rate:
            raise ValueError(
                f"events[{i}] clip is at {clip.sample_rate} Hz, the mix at {sample_rate} Hz"
            )
        stem = dry["ambience" if event.kind == EventKind.AMBIENCE else "sfx"]
        if event.automation.distance or event.automation.gain_db:
            moved = automation.apply_motion(clip.samples, event, sample_rate)
            clip = Clip(clip.event_id, moved, clip.sample_rate)
        _place(stem, event, clip, sample_rate)
    gain = duck_gain(dry["ambience"], dry["sfx"], sample_rate)
    if gain is not None:
        _apply_control_gain(dry["ambience"], gain, max(1, round(DUCK_BLOCK_S * sample_rate)))
    if not stems:
        send = dry["sfx"] * np.float32(SENDS["sfx"])
        send += dry["ambience"] * np.float32(SENDS["ambience"])
        mix = dry["ambience"] + dry["sfx"]
        wet = reverb.send_return(send, sample_rate, plan.environment, seed)
        if wet is not None:
            mix += wet
        return MixResult(mix=mix, stems={})
    for name, stem in dry.items():
        if stem.any():
            dry[name] = reverb.apply_reverb(stem, sample_rate, plan.environment, seed, SENDS[name])
    return MixResult(mix=dry["ambience"] + dry["sfx"], stems=dry)
