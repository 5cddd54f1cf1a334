"""Rendering an event's automation curves, whatever renderer made its audio.

Distance is propagation: level falls as 1/r, the air takes the highs as the source goes away,
and a moving source is heard through its changing travel time (Doppler). Gain is a dB curve,
pan a per-frame equal-power position; intensity is the recipe's own (see the procedural
renderer), or for a sound that has none, a gain curve. An empty curve changes nothing.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from soundloom_server.engine.plan import CurvePoint, Event

SPEED_OF_SOUND = 343.0  # m/s
NEAR_M, FAR_M = 2.0, 60.0  # distance 0 and 1, metres
AIR_CUTOFF_HZ = 1800.0  # what is left of a sound heard from far away
INTENSITY_RANGE_DB = 18.0  # intensity 0..1 as gain, for a recipe without intensity


def curve(
    points: tuple[CurvePoint, ...], frames: int, lo: int = 0, hi: int | None = None
) -> np.ndarray:
    """The curve at frames [lo, hi) of an event `frames` long: linear between points, held
    before the first and after the last (float64)."""
    hi = frames if hi is None else hi
    if hi <= lo:
        return np.zeros(0)
    t = np.arange(lo, hi, dtype=np.float64) / max(frames - 1, 1)
    return np.interp(t, [p.t for p in points], [p.value for p in points])


def metres(distance: np.ndarray | float) -> np.ndarray:
    """Normalised distance (0 close .. 1 far) as metres, on a log scale from 2 m to 60 m."""
    return NEAR_M * (FAR_M / NEAR_M) ** np.clip(np.asarray(distance, dtype=np.float64), 0, 1)


def nearest(event: Event) -> float | None:
    """The closest point of the event's distance curve (renderers render the sound there)."""
    points = event.automation.distance
    return min(p.value for p in points) if points else None


def intensity_gain(event: Event, frames: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Intensity as gain around 0.5 (for recipes that have no intensity of their own)."""
    values = curve(event.automation.intensity, frames, lo, hi)
    return 10.0 ** ((values - 0.5) * INTENSITY_RANGE_DB / 20.0)


def equal_power_blend(low: np.ndarray, high: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-frame equal-power crossfade from `low` (weight 0) to `high` (weight 1)."""
    angle = np.clip(weight, 0.0, 1.0)[:, None] * (math.pi / 2.0)
    return (low * np.cos(angle) + high * np.sin(angle)).astype(np.float32)


def _doppler(audio: np.ndarray, distance_m: np.ndarray, sample_rate: int) -> np.ndarray:
    """Each frame heard as the source sounded one travel time earlier (relative to the
    nearest point, so the sound is never early)."""
    delay = (distance_m - distance_m.min()) / SPEED_OF_SOUND * sample_rate
    if float(delay.max()) < 0.5:
        return audio
    n = np.arange(audio.shape[0], dtype=np.float64)
    read = n - delay
    out = np.empty_like(audio)
    for ch in range(audio.shape[1]):
        out[:, ch] = np.interp(read, n, audio[:, ch], left=0.0, right=0.0)
    return out


def _air(audio: np.ndarray, far: np.ndarray, sample_rate: int) -> np.ndarray:
    """Highs taken away as `far` (0..1 per frame) grows: a blend towards a low-passed copy."""
    if float(far.max()) <= 1e-4:
        return audio
    cutoff = min(AIR_CUTOFF_HZ, 0.45 * sample_rate)
    sos = signal.butter(2, cutoff, btype="low", fs=sample_rate, output="sos")
    dull = signal.sosfilt(sos, audio, axis=0).astype(np.float32)
    blend = far[:, None].astype(np.float32)
    return audio * (1.0 - blend) + dull * blend


def apply_motion(
    samples: np.ndarray, event: Event, sample_rate: int, offset: int = 0, frames: int | None = None
) -> np.ndarray:
    """The clip heard over the event's distance and gain curves (unchanged without them).

    `samples` may be a piece of a longer clip: frames [offset, offset + len) of one `frames`
    long. Distance (a travel-time delay) needs the whole clip; gain works on any piece.
    """
    auto = event.automation
    if not auto.distance and not auto.gain_db:
        return samples
    audio = np.asarray(samples, dtype=np.float32)
    audio = audio[:, None] if audio.ndim == 1 else audio
    frames = audio.shape[0] if frames is None else frames
    if auto.distance:
        if offset or frames != audio.shape[0]:
            raise ValueError("distance automation needs the whole clip, not a piece")
        distance = curve(auto.distance, frames)
        r = metres(distance)
        audio = _doppler(audio, r, sample_rate)
        span = max(1.0 - float(distance.min()), 1e-6)
        audio = _air(audio, np.clip((distance - distance.min()) / span, 0.0, 1.0), sample_rate)
        audio = audio * (r.min() / r)[:, None].astype(np.float32)
    if auto.gain_db:
        gain_db = curve(auto.gain_db, frames, offset, offset + audio.shape[0])
        audio = audio * (10.0 ** (gain_db / 20.0))[:, None].astype(np.float32)
    return np.ascontiguousarray(audio, dtype=np.float32)


def pan_gains_over(
    event: Event, frames: int, source_channels: int, lo: int = 0, hi: int | None = None
) -> np.ndarray | None:
    """Per-frame (L, R) gains from the pan curve over frames [lo, hi) (equal power; stereo
    sources balance), or None."""
    if not event.automation.pan:
        return None
    pan = curve(event.automation.pan, frames, lo, hi)
    theta = (np.clip(pan, -1.0, 1.0) + 1.0) * math.pi / 4.0
    gains = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    if source_channels != 1:
        gains = np.minimum(gains * math.sqrt(2.0), 1.0)
    return gains.astype(np.float32)
