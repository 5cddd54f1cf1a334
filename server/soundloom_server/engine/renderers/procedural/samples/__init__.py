"""Recordings where synthesis can't reach: a curated pack of CC0 / public-domain takes.

The pack (`pack/<group>/<take>.ogg`) and its provenance (`manifest.json`: source package,
version, path, licence text, processing) are written by `build_pack`; nothing here downloads.
Recipes pick takes by group and vary them per seed so that no two renders repeat:

    take = samples.choose(rng, "explosion")
    audio = samples.render(samples.vary(rng, "explosion"), sr)      # one-shot, (frames, ch)
    bed = samples.granular_bed(rng, samples.load(take, sr), frames, sr)   # loops seamlessly

Everything returns float32 (frames, channels) arrays; cached decodes are read-only.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources

import numpy as np
import numpy.typing as npt
import soundfile as sf
from scipy import signal

Audio = npt.NDArray[np.float32]

MANIFEST = "manifest.json"
ALLOWED_LICENCES = ("CC0-1.0", "public-domain")


@dataclass(frozen=True)
class Take:
    """One recording in the pack."""

    group: str  # the sound it is, e.g. "explosion", "cow"
    name: str  # unique within the group
    file: str  # path inside the pack, e.g. "explosion/tnt_explode.ogg"
    duration_s: float
    sample_rate: int
    channels: int
    loop: bool  # bed material (a texture to stretch) rather than a one-shot gesture


@dataclass(frozen=True)
class Variation:
    """How one render treats its take(s): all drawn from the seed by `vary`."""

    take: Take
    speed: float = 1.0  # playback rate: >1 higher and shorter (tape-style pitch + time)
    gain: float = 1.0
    lowpass_hz: float | None = None
    highpass_hz: float | None = None
    layer: Take | None = None  # a second take mixed under the first
    layer_speed: float = 1.0
    layer_gain: float = 0.0
    layer_offset_s: float = 0.0


# ---------------------------------------------------------------- the pack


def _pack_root() -> resources.abc.Traversable:
    return resources.files(__name__)


@functools.cache
def manifest() -> dict:
    """The parsed manifest: every file's provenance and processing."""
    return json.loads((_pack_root() / MANIFEST).read_text(encoding="utf-8"))


@functools.cache
def _all_takes() -> dict[str, tuple[Take, ...]]:
    by_group: dict[str, list[Take]] = {}
    for entry in manifest()["files"]:
        take = Take(
            entry["group"],
            entry["name"],
            entry["file"],
            float(entry["duration_s"]),
            int(entry["sample_rate"]),
            int(entry["channels"]),
            bool(entry["loop"]),
        )
        by_group.setdefault(take.group, []).append(take)
    return {g: tuple(sorted(t, key=lambda t: t.name)) for g, t in sorted(by_group.items())}


def groups() -> tuple[str, ...]:
    """Every sound group the pack holds, sorted."""
    return tuple(_all_takes())


def takes(group: str) -> tuple[Take, ...]:
    """The takes of one group (sorted by name); KeyError for an unknown group."""
    found = _all_takes().get(group)
    if not found:
        raise KeyError(f"no recordings for {group!r}; the pack has {', '.join(groups())}")
    return found


def choose(rng: np.random.Generator, group: str) -> Take:
    """One take of `group`, drawn by the seed."""
    options = takes(group)
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------- decoding and rate


_CACHE: dict[tuple[str, int], Audio] = {}
_CACHE_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[str, int], threading.Lock] = {}


def _decode(file: str) -> tuple[np.ndarray, int]:
    with (_pack_root() / "pack" / file).open("rb") as handle:
        data, rate = sf.read(handle, dtype="float32", always_2d=True)
    return data, int(rate)


def resample(audio: np.ndarray, from_rate: float, to_rate: int) -> Audio:
    """Polyphase resampling along axis 0 (rates may be fractional: speed changes use this)."""
    ratio = Fraction(to_rate / from_rate).limit_denominator(1000)
    if ratio == 1:
        return np.ascontiguousarray(audio, dtype=np.float32)
    out = signal.resample_poly(audio, ratio.numerator, ratio.denominator, axis=0)
    return np.ascontiguousarray(out, dtype=np.float32)


def load(take: Take, sample_rate: int) -> Audio:
    """The take decoded at `sample_rate`, (frames, channels) float32; cached and read-only."""
    key = (take.file, int(sample_rate))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with _CACHE_LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    # One decode per key even when render threads ask together; other keys proceed.
    with lock:
        cached = _CACHE.get(key)
        if cached is None:
            data, rate = _decode(take.file)
            cached = resample(data, rate, sample_rate)
            cached.setflags(write=False)
            _CACHE[key] = cached
    return cached


@functools.cache
def _call_spans(file: str, sample_rate: int, floor_db: float, gap_s: float) -> tuple:
    take = next(t for g in _all_takes().values() for t in g if t.file == file)
    audio = load(take, sample_rate)
    hop = max(1, sample_rate // 100)
    level = np.abs(audio).max(axis=1)
    frames = level[: level.shape[0] // hop * hop].reshape(-1, hop).max(axis=1)
    loud = frames > frames.max() * 10.0 ** (floor_db / 20.0)
    # Close gaps shorter than gap_s: the breath inside one moo is not two calls.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    starts, stops = edges[0::2], edges[1::2]
    keep = np.concatenate([[True], (starts[1:] - stops[:-1]) * hop > gap_s * sample_rate])
    first = np.flatnonzero(keep)
    last = np.concatenate([first[1:] - 1, [stops.shape[0] - 1]])
    pad = hop * 2  # keep the soft attack and release around the loud part
    return tuple(
        (int(max(0, a * hop - pad)), int(min(audio.shape[0], b * hop + pad)))
        for a, b in zip(starts[first], stops[last], strict=True)
        if (b - a) * hop > 0.1 * sample_rate
    )


def calls(
    take: Take, sample_rate: int, floor_db: float = -30.0, gap_s: float = 0.12
) -> tuple[tuple[int, int], ...]:
    """The separate calls/hits inside a take: (start, stop) frames at `sample_rate`.

    A call is where the level stays within `floor_db` of the take's peak, with quieter gaps
    shorter than `gap_s` bridged; a take with one gesture gives one span. Cached.
    """
    spans = _call_spans(take.file, int(sample_rate), floor_db, gap_s)
    return spans or ((0, load(take, sample_rate).shape[0]),)


# ---------------------------------------------------------------- per-seed variation


def vary(
    rng: np.random.Generator,
    group: str,
    *,
    semitones: float = 1.5,
    tone: float = 0.5,
    gain_db: float = 1.5,
    layer_chance: float = 0.0,
) -> Variation:
    """A seeded treatment: a take, +-`semitones` speed, a random tone filter, gain, a layer.

    `tone` (0..1) is how far the filters may wander; `layer_chance` the chance of mixing a
    second take (of the same group) under the first, a few tens of ms late.
    """
    take = choose(rng, group)
    speed = float(2.0 ** (rng.uniform(-semitones, semitones) / 12.0))
    lowpass = float(18000.0 * 0.25 ** (rng.uniform(0.0, 1.0) * tone)) if tone > 0 else None
    highpass = float(30.0 * 4.0 ** (rng.uniform(0.0, 1.0) * tone)) if tone > 0 else None
    gain = float(10.0 ** (rng.uniform(-gain_db, gain_db) / 20.0))
    layer, layer_speed, layer_gain, offset = None, 1.0, 0.0, 0.0
    if layer_chance > 0 and rng.random() < layer_chance:
        layer = choose(rng, group)
        layer_speed = float(2.0 ** (rng.uniform(-semitones, semitones) / 12.0))
        layer_gain = float(rng.uniform(0.3, 0.6))
        offset = float(rng.uniform(0.0, 0.06))
    return Variation(take, speed, gain, lowpass, highpass, layer, layer_speed, layer_gain, offset)


def at_speed(audio: Audio, speed: float, sample_rate: int) -> Audio:
    """Tape-style speed change: pitch and duration together (speed 2 = an octave up, half long)."""
    if abs(speed - 1.0) < 1e-4:
        return audio
    return resample(audio, sample_rate * speed, sample_rate)


def _tone(audio: Audio, sample_rate: int, lowpass: float | None, highpass: float | None) -> Audio:
    nyquist = 0.5 * sample_rate
    sections = []
    if lowpass is not None and lowpass < 0.95 * nyquist:
        sections.append(signal.butter(2, lowpass, "lowpass", fs=sample_rate, output="sos"))
    if highpass is not None and highpass > 10.0:
        sections.append(signal.butter(2, highpass, "highpass", fs=sample_rate, output="sos"))
    if not sections:
        return np.array(audio, dtype=np.float32)
    return signal.sosfilt(np.vstack(sections), audio, axis=0).astype(np.float32)


def render(variation: Variation, sample_rate: int, channels: int = 2) -> Audio:
    """The varied take (plus its layer) at `sample_rate`, as (frames, channels) float32."""
    main = at_speed(load(variation.take, sample_rate), variation.speed, sample_rate)
    out = np.array(to_channels(main, channels), dtype=np.float32)
    if variation.layer is not None:
        under = at_speed(load(variation.layer, sample_rate), variation.layer_speed, sample_rate)
        under = to_channels(under, channels)
        start = int(variation.layer_offset_s * sample_rate)
        length = max(out.shape[0], start + under.shape[0])
        mixed = np.zeros((length, channels), np.float32)
        mixed[: out.shape[0]] = out
        mixed[start : start + under.shape[0]] += under * np.float32(variation.layer_gain)
        out = mixed
    out = _tone(out, sample_rate, variation.lowpass_hz, variation.highpass_hz)
    out *= np.float32(variation.gain)
    return out


def to_channels(audio: Audio, channels: int) -> Audio:
    """Mono <-> stereo: mono is copied to both ears, stereo folded down by averaging."""
    have = audio.shape[1]
    if have == channels:
        return audio
    if channels == 1:
        return audio.mean(axis=1, keepdims=True, dtype=np.float32)
    return np.repeat(audio[:, :1], channels, axis=1) if have == 1 else audio[:, :channels]


# ---------------------------------------------------------------- beds of any length


def granular_bed(
    rng: np.random.Generator,
    source: Audio,
    frames: int,
    sample_rate: int,
    grain_s: float = 0.08,
    jitter: float = 0.0,
) -> Audio:
    """`frames` of texture from `source` by overlap-add of grains, looping seamlessly.

    Grains (`grain_s` long, 5 ms .. 5 s; 5-100 ms for a granular texture, longer to shuffle a
    recording's own gestures) start every half grain and are read from random positions.
    Adjacent grains cross-fade with sine/cosine ramps, so uncorrelated grains sum at constant
    power: the level stays stationary and there are no gaps. The grid is circular, the last
    grain fades into the first, so the result loops without a seam. `jitter` (0..1) varies
    each grain's length around `grain_s` (the crossfades stay equal-power).
    """
    grain_s = min(max(grain_s, 0.005), 5.0)
    channels = source.shape[1]
    if frames <= 0:
        return np.zeros((0, channels), np.float32)
    hop = max(1, int(grain_s * sample_rate / 2))
    # Never longer than half the source: a grain spans two hops read from one place.
    hop = max(1, min(hop, (source.shape[0] - 1) // 3))
    count = max(2, round(frames / hop))
    weights = 1.0 + jitter * rng.uniform(-0.5, 0.5, count)
    edges = np.round(np.concatenate([[0.0], np.cumsum(weights)]) * frames / weights.sum())
    edges = edges.astype(np.int64)
    lengths = np.diff(edges)  # segment j: grain j fades in while grain j-1 fades out
    longest = 2 * int(lengths.max())
    starts = rng.integers(0, max(1, source.shape[0] - longest), count)

    seg = np.repeat(np.arange(count), lengths)
    offset = np.arange(frames) - edges[seg]
    theta = (offset + 0.5) / lengths[seg] * (np.pi / 2.0)
    previous = (seg - 1) % count  # circular: segment 0 carries the tail of the last grain
    fading_in = source[starts[seg] + offset]
    fading_out = source[starts[previous] + lengths[previous] + offset]
    out = fading_in * np.sin(theta)[:, None] + fading_out * np.cos(theta)[:, None]
    return out.astype(np.float32)


def bed(
    rng: np.random.Generator,
    group: str,
    frames: int,
    sample_rate: int,
    grain_s: float = 0.08,
    semitones: float = 0.0,
) -> Audio:
    """A seamless bed of `frames` from one seeded take of `group` (optionally detuned)."""
    take = choose(rng, group)
    source = load(take, sample_rate)
    if semitones:
        source = at_speed(
            source, float(2.0 ** (rng.uniform(-semitones, semitones) / 12.0)), sample_rate
        )
    return granular_bed(rng, source, frames, sample_rate, grain_s, jitter=0.5)
