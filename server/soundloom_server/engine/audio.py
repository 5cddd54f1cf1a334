"""Audio values passed between stages: clips, markers and loop points.

Audio in memory is `numpy.float32` shaped (frames, channels); positions inside the engine are
sample indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Clip:
    """One rendered event: samples shaped (frames, channels) at `sample_rate`."""

    event_id: str
    samples: np.ndarray
    sample_rate: int

    @property
    def frames(self) -> int:
        """Number of sample frames."""
        return int(self.samples.shape[0])


@dataclass(frozen=True)
class ClipPiece:
    """Part of a rendered event: its frames [offset, offset + len(samples)) (frames, channels).

    Long beds arrive as pieces so that no stage holds a whole 10-minute clip besides the mix.
    """

    offset: int
    samples: np.ndarray


@dataclass(frozen=True)
class Marker:
    """A labelled position (WAV cue/labl, sidecar), in sample frames."""

    frame: int
    label: str
    length: int = 0


@dataclass(frozen=True)
class LoopPoints:
    """A loop region in sample frames: `start` inclusive, `start + length` exclusive."""

    start: int
    length: int

    @property
    def end(self) -> int:
        """First frame after the loop."""
        return self.start + self.length


def seconds_to_frames(seconds: float, sample_rate: int) -> int:
    """Seconds -> whole sample frames (rounded to nearest)."""
    return round(seconds * sample_rate)


def as_channels(samples: np.ndarray, channels: int) -> np.ndarray:
    """Reshape mono/stereo audio to (frames, channels): duplicate mono, average stereo to mono."""
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    if audio.shape[1] == channels:
        return audio
    if channels == 1:
        return audio.mean(axis=1, keepdims=True, dtype=np.float32)
    if audio.shape[1] == 1:
        return np.repeat(audio, channels, axis=1)
    raise ValueError(f"cannot map {audio.shape[1]} channels to {channels}")
