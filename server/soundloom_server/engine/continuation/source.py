"""The clip to continue: read it, check it, and give it at the rate a render needs.

Bad input is refused before anything is written, with one line naming what is wrong with it.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from soundloom_server.engine.errors import InvalidArgument

MIN_CLIP_S = 0.5
MAX_CLIP_S = 600.0
# What libsndfile decodes that we take; others (AIFF, AU, raw PCM…) are refused by name.
FORMATS = {"WAV": "WAV", "WAVEX": "WAV", "FLAC": "FLAC", "OGG": "OGG"}
MAX_CHANNELS = 2
_CACHE_ITEMS = 4


@dataclass(frozen=True)
class SourceClip:
    """A checked clip: float32 samples (frames, channels), its rate, its sha256 and its name."""

    samples: np.ndarray
    sample_rate: int
    sha256: str
    name: str

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / self.sample_rate

    @property
    def channels(self) -> int:
        """1 or 2."""
        return int(self.samples.shape[1])


def read_clip(path: str | Path, field: str = "clip") -> SourceClip:
    """Read and check an audio file; InvalidArgument naming `field` when it is no usable clip."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidArgument(field, f"does not exist: {path}") from None
    except IsADirectoryError:
        raise InvalidArgument(field, f"is a directory, not an audio file: {path}") from None
    except OSError as exc:
        raise InvalidArgument(field, f"cannot be read: {exc.strerror} ({path})") from None
    return decode_clip(data, path.name, field)


def decode_clip(data: bytes, name: str = "clip", field: str = "clip") -> SourceClip:
    """Decode and check a clip's bytes (WAV, FLAC or OGG Vorbis, 0.5-600 s, finite samples)."""
    if not data:
        raise InvalidArgument(field, f"is empty (0 bytes): {name}")
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise InvalidArgument(
            field, f"is not audio (not a WAV, FLAC or OGG Vorbis file): {name}"
        ) from None
    if info.format not in FORMATS:
        raise InvalidArgument(
            field,
            f"is {info.format_info or info.format} audio, an unsupported format "
            f"(WAV, FLAC or OGG Vorbis): {name}",
        )
    if info.frames == 0:
        raise InvalidArgument(field, f"is empty (no samples): {name}")
    seconds = info.frames / info.samplerate
    if seconds < MIN_CLIP_S:
        raise InvalidArgument(
            field, f"is {seconds:.3f} s long, shorter than {MIN_CLIP_S:g} s: {name}"
        )
    if seconds > MAX_CLIP_S:
        raise InvalidArgument(
            field, f"is {seconds:.1f} s long, longer than {MAX_CLIP_S:g} s: {name}"
        )
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        raise InvalidArgument(field, f"is damaged audio that cannot be decoded: {name}") from None
    if not np.isfinite(samples).all():
        bad = int(np.count_nonzero(~np.isfinite(samples)))
        raise InvalidArgument(field, f"has {bad} NaN or infinite samples: {name}")
    if samples.shape[1] > MAX_CHANNELS:
        samples = _downmix(samples)
    if not np.any(samples):
        raise InvalidArgument(field, f"is silent (every sample is 0): {name}")
    digest = hashlib.sha256(data).hexdigest()
    return SourceClip(np.ascontiguousarray(samples), int(rate), digest, name)


def _downmix(samples: np.ndarray) -> np.ndarray:
    """More than two channels: odd ones to the left, even ones to the right."""
    left = samples[:, 0::2].mean(axis=1)
    right = samples[:, 1::2].mean(axis=1)
    return np.stack([left, right], axis=1).astype(np.float32)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling of (frames, channels) float32 audio."""
    if from_rate == to_rate:
        return samples
    g = math.gcd(from_rate, to_rate)
    out = signal.resample_poly(samples, to_rate // g, from_rate // g, axis=0)
    return np.ascontiguousarray(out, dtype=np.float32)


_cache: OrderedDict[tuple[str, str, int], SourceClip] = OrderedDict()
_cache_lock = threading.Lock()


def clip_at_rate(path: str, sha256: str, sample_rate: int, field: str) -> SourceClip:
    """The clip at `path` resampled to `sample_rate`, refused if its sha256 is not `sha256`.

    A plan names its clip by path and content hash, so a changed file is an error rather than
    another sound under the same cache key. The last few are kept in memory: a continuation's
    events all read the same clip.
    """
    key = (path, sha256, sample_rate)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    clip = read_clip(path, field)
    if sha256 and clip.sha256 != sha256:
        raise InvalidArgument(
            field,
            f"{path} has changed since the plan was made (sha256 {clip.sha256[:12]}…, "
            f"the plan says {sha256[:12]}…)",
        )
    at_rate = SourceClip(
        resample(clip.samples, clip.sample_rate, sample_rate), sample_rate, clip.sha256, clip.name
    )
    with _cache_lock:
        _cache[key] = at_rate
        while len(_cache) > _CACHE_ITEMS:
            _cache.popitem(last=False)
    return at_rate
