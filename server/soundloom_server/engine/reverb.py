"""One environment reverb per scene: synthetic stereo impulse responses and their convolution.

An impulse response is early reflections (sparse taps), optional discrete echoes (cave walls,
distant slopes outdoors) and a diffuse tail of noise whose bands decay at their own rates
(high frequencies die sooner: air and wall absorption). L and R use independent noise, which
makes the tail wide. The wet path is mono in, stereo out (like most hardware halls): the input's
mid feeds both IR channels, which costs one forward FFT instead of two.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft, signal

from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.errors import InvalidArgument

_BAND_EDGES_HZ = (250.0, 2000.0, 6000.0)  # low | mid | high | air
_RT60_DB = 60.0
MIN_BLOCK = 1 << 17  # overlap-add FFT size floor (frames)


@dataclass(frozen=True)
class EnvironmentPreset:
    """How an environment sounds: decay, pre-delay, reflections, echoes, wet level, damping."""

    rt60_s: float  # mid-band (250 Hz - 2 kHz) reverberation time
    predelay_s: float
    early_count: int  # early reflections spread over `early_spread_s` after the pre-delay
    early_spread_s: float
    early_db: float  # level of the first reflection relative to the tail's start
    echoes: tuple[tuple[float, float], ...]  # discrete echoes: (delay s, gain dB)
    wet_db: float  # wet level for send 1.0 (IR normalised to unit energy per channel)
    low_ratio: float  # RT60 below 250 Hz relative to mid
    hf_ratio: float  # RT60 above 6 kHz relative to mid (damping; 2-6 kHz gets its square root)
    tail_db: float = 0.0  # diffuse tail level relative to the reflections


ENVIRONMENT_PRESETS: dict[str, EnvironmentPreset | None] = {
    "none": None,
    "room": EnvironmentPreset(
        rt60_s=0.5, predelay_s=0.004, early_count=12, early_spread_s=0.025, early_db=0.0,
        echoes=(), wet_db=-14.0, low_ratio=1.1, hf_ratio=0.55,
    ),
    "hall": EnvironmentPreset(
        rt60_s=2.0, predelay_s=0.025, early_count=18, early_spread_s=0.08, early_db=-3.0,
        echoes=(), wet_db=-11.0, low_ratio=1.2, hf_ratio=0.7,
    ),
    "cave": EnvironmentPreset(
        rt60_s=3.5, predelay_s=0.03, early_count=10, early_spread_s=0.06, early_db=-2.0,
        echoes=((0.13, -4.0), (0.29, -8.0), (0.47, -13.0)), wet_db=-8.0,
        low_ratio=1.15, hf_ratio=0.3,
    ),
    "outdoor": EnvironmentPreset(
        rt60_s=0.45, predelay_s=0.01, early_count=3, early_spread_s=0.02, early_db=-6.0,
        echoes=((0.21, -3.0), (0.48, -9.0)), wet_db=-16.0, low_ratio=1.0, hf_ratio=0.35,
        tail_db=-12.0,
    ),
}  # fmt: skip


def preset(environment: str) -> EnvironmentPreset | None:
    """The preset named `environment` (None for "none"); InvalidArgument if unknown."""
    if environment not in ENVIRONMENT_PRESETS:
        names = ", ".join(ENVIRONMENT_PRESETS)
        raise InvalidArgument("environment", f"must be one of {names}, got {environment!r}")
    return ENVIRONMENT_PRESETS[environment]


# ---------------------------------------------------------------- impulse response


def _band_masks(freqs: np.ndarray) -> np.ndarray:
    # Complementary raised-cosine crossovers (half an octave wide) on log frequency: masks sum to 1.
    logf = np.log2(np.maximum(freqs, 1.0))
    masks = [np.ones_like(freqs)]
    for edge in _BAND_EDGES_HZ:
        t = np.clip((logf - math.log2(edge)) / 0.5 + 0.5, 0.0, 1.0)
        upper = 0.5 - 0.5 * np.cos(np.pi * t)
        masks.append(masks[-1] * upper)
        masks[-2] = masks[-2] * (1.0 - upper)
    return np.array(masks)


def _diffuse_tail(
    p: EnvironmentPreset, sample_rate: int, frames: int, rng: np.random.Generator
) -> np.ndarray:
    t = np.arange(frames) / sample_rate
    rts = p.rt60_s * np.array([p.low_ratio, 1.0, math.sqrt(p.hf_ratio), p.hf_ratio])
    decay = np.exp(-np.outer(math.log(10.0) * _RT60_DB / 20.0 / rts, t))  # (bands, frames)
    masks = _band_masks(fft.rfftfreq(frames, 1.0 / sample_rate))
    tail = np.empty((frames, 2))
    for ch in range(2):
        spectrum = fft.rfft(rng.standard_normal(frames))
        bands = fft.irfft(masks * spectrum, n=frames)  # (bands, frames)
        tail[:, ch] = (bands * decay).sum(axis=0)
    # The tail builds up over the early-reflection window instead of starting at full density.
    onset = int((p.predelay_s + p.early_spread_s) * sample_rate)
    ramp = np.clip((np.arange(frames) - int(p.predelay_s * sample_rate)) / max(onset, 1), 0.0, 1.0)
    return tail * np.sin(0.5 * np.pi * ramp)[:, None] * 10.0 ** (p.tail_db / 20.0)


def _reflections(
    p: EnvironmentPreset, sample_rate: int, frames: int, rng: np.random.Generator
) -> np.ndarray:
    taps = np.zeros((frames, 2))
    tail_rms = math.sqrt(
        6.91 / (p.rt60_s * sample_rate)
    )  # unit-energy exponential tail's start rms
    for ch in range(2):
        delays = p.predelay_s + np.sort(rng.uniform(0.0, p.early_spread_s, p.early_count))
        gains = 10.0 ** (p.early_db / 20.0) * np.exp(
            -3.0 * (delays - p.predelay_s) / max(p.rt60_s, 0.1)
        )
        signs = rng.choice([-1.0, 1.0], p.early_count)
        np.add.at(
            taps[:, ch], np.minimum((delays * sample_rate).astype(int), frames - 1), signs * gains
        )
    taps *= tail_rms * 8.0  # reflections stand out above the tail's density
    if p.echoes:
        echo = np.zeros(frames)
        for delay_s, gain_db in p.echoes:
            echo[min(int(delay_s * sample_rate), frames - 1)] += 10.0 ** (gain_db / 20.0)
        # Distant echoes come back dull: a gentle low pass, then a little spread between channels.
        b, a = signal.butter(2, min(3000.0 * p.hf_ratio / 0.3, 0.45 * sample_rate), fs=sample_rate)
        echo = signal.lfilter(b, a, echo) * tail_rms * 20.0
        shift = int(0.0007 * sample_rate)
        taps[:, 0] += echo
        taps[shift:, 1] += echo[: frames - shift]
    return taps


@lru_cache(maxsize=8)
def _cached_ir(environment: str, sample_rate: int, seed: int) -> np.ndarray:
    p = preset(environment)
    if p is None:
        ir = np.zeros((1, 2), dtype=np.float32)
        return ir
    longest = max(p.rt60_s * max(p.low_ratio, 1.0), max((d for d, _ in p.echoes), default=0.0))
    frames = fft.next_fast_len(int((p.predelay_s + longest * 1.1 + 0.05) * sample_rate), real=True)
    rng = np.random.default_rng([seed, zlib.crc32(environment.encode()), sample_rate])
    ir = _diffuse_tail(p, sample_rate, frames, rng) + _reflections(p, sample_rate, frames, rng)
    ir /= math.sqrt(np.mean(np.sum(np.square(ir), axis=0)))  # unit energy per channel on average
    ir = ir.astype(np.float32)
    ir.setflags(write=False)
    return ir


def impulse_response(environment: str, sample_rate: int, seed: int) -> np.ndarray:
    """Synthetic stereo IR (frames, 2), unit energy per channel, deterministic in its arguments."""
    return _cached_ir(environment, sample_rate, seed).copy()


# ---------------------------------------------------------------- convolution


@lru_cache(maxsize=8)
def _ir_spectrum(environment: str, sample_rate: int, seed: int, size: int) -> np.ndarray:
    ir = _cached_ir(environment, sample_rate, seed)
    # complex64: single-precision FFTs run ~2.5x faster, and float32 round-off (-140 dB) is
    # far below the reverb's own noise floor.
    spectrum = fft.rfft(ir, n=size, axis=0).T.astype(np.complex64)  # (2, size // 2 + 1)
    spectrum.setflags(write=False)
    return spectrum


_SMOOTH_ODD = (1, 3, 5, 9, 15, 25, 27, 45, 75, 81, 125, 135, 225, 243, 375, 405)


def _fft_size(n: int) -> int:
    # An odd 3-5-smooth factor times a large power of two: pocketfft runs these ~20 % faster
    # than the smallest 2-3-5-smooth size at the lengths of a scene.
    best = 1 << max(n - 1, 1).bit_length()
    for odd in _SMOOTH_ODD:
        size = odd << max(0, math.ceil(math.log2(max(n / odd, 1.0))))
        if size >= n:
            best = min(best, size)
    return best


def _convolve(
    mid: np.ndarray, environment: str, sample_rate: int, seed: int, out: np.ndarray
) -> None:
    # Adds mid (*) IR into out[:len(mid) + ...], cut at out's end; out is (frames, channels).
    # Overlap-add in blocks a few times the IR: one scene-long FFT is ~3x slower (cache misses).
    ir_frames = _cached_ir(environment, sample_rate, seed).shape[0]
    full = mid.shape[0] + ir_frames - 1
    keep = min(out.shape[0], full)
    # Each block's linear result (hop + IR - 1) fits its FFT exactly: no circular wrap-around.
    size = min(_fft_size(max(4 * ir_frames, MIN_BLOCK)), _fft_size(full))
    hop = size - ir_frames + 1
    ir_spectra = _ir_spectrum(environment, sample_rate, seed, size)
    for start in range(0, min(mid.shape[0], keep), hop):
        raise_if_cancelled()
        spectrum = fft.rfft(mid[start : start + hop], n=size)
        end = min(start + size, keep)
        for ch in range(out.shape[1]):
            out[start:end, ch] += fft.irfft(spectrum * ir_spectra[ch], n=size)[: end - start]


def _active_spans(mid: np.ndarray, gap: int) -> list[tuple[int, int]]:
    block = 1024
    blocks = -(-mid.shape[0] // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    padded[: mid.shape[0]] = mid
    active = np.flatnonzero(np.abs(padded).reshape(blocks, block).max(axis=1) > 0.0)
    if active.size == 0:
        return []
    splits = np.flatnonzero(np.diff(active) * block > gap)
    firsts = np.r_[active[0], active[splits + 1]] * block
    lasts = np.minimum((np.r_[active[splits], active[-1]] + 1) * block, mid.shape[0])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def wet_signal(audio: np.ndarray, sample_rate: int, environment: str, seed: int) -> np.ndarray:
    """The reverb alone (unit IR, no wet level), same frames and channels as `audio`."""
    data = np.asarray(audio, dtype=np.float32)
    data = data[:, None] if data.ndim == 1 else data
    wet = np.zeros_like(data)
    if preset(environment) is None or data.shape[0] == 0:
        return wet
    mid = data[:, 0].copy()
    for ch in range(1, data.shape[1]):
        mid += data[:, ch]
    mid *= np.float32(1.0 / data.shape[1])
    ir_frames = _cached_ir(environment, sample_rate, seed).shape[0]
    spans = _active_spans(mid, ir_frames)
    # Sparse stems (one-shots) convolve span by span; each span's tail is cut at the scene end.
    if sum(hi - lo + ir_frames for lo, hi in spans) < 0.5 * data.shape[0]:
        for lo, hi in spans:
            _convolve(mid[lo:hi], environment, sample_rate, seed, wet[lo:])
    else:
        _convolve(mid, environment, sample_rate, seed, wet)
    return wet


def send_return(
    audio: np.ndarray, sample_rate: int, environment: str, seed: int, send: float = 1.0
) -> np.ndarray | None:
    """The wet return alone (the preset's wet level times `send`), or None for a dry space."""
    p = preset(environment)
    if p is None or send <= 0.0:
        return None
    data = np.asarray(audio, dtype=np.float32)
    frames = data[:, None] if data.ndim == 1 else data
    wet = wet_signal(frames, sample_rate, environment, seed)
    wet *= np.float32(10.0 ** (p.wet_db / 20.0) * send)
    return wet[:, 0] if data.ndim == 1 else wet


def apply_reverb(
    audio: np.ndarray, sample_rate: int, environment: str, seed: int, send: float = 1.0
) -> np.ndarray:
    """Dry plus wet (the preset's wet level times `send`), cut to the input's length."""
    data = np.asarray(audio, dtype=np.float32)
    wet = send_return(data, sample_rate, environment, seed, send)
    if wet is None:
        return data.copy()
    wet += data
    return wet


def add_return(
    mix: np.ndarray,
    send_of: Callable[[int, int], np.ndarray],
    sample_rate: int,
    environment: str,
    seed: int,
    send: float = 1.0,
) -> None:
    """Add the wet return of a mono send into `mix` (frames, channels) in place, block by block.

    `send_of(lo, hi)` gives the send for frames [lo, hi); it is read before `mix[lo:hi]` changes,
    and later frames only change once they are read, so the send may be computed from `mix`
    itself. The tails of blocks still to come wait in a buffer of one FFT, so a scene of any
    length costs that buffer, not a second copy of the scene.
    """
    p = preset(environment)
    if p is None or send <= 0.0 or mix.shape[0] == 0:
        return
    frames, channels = mix.shape
    ir_frames = _cached_ir(environment, sample_rate, seed).shape[0]
    size = min(_fft_size(max(4 * ir_frames, MIN_BLOCK)), _fft_size(frames + ir_frames - 1))
    hop = size - ir_frames + 1
    spectra = _ir_spectrum(environment, sample_rate, seed, size)
    level = np.float32(10.0 ** (p.wet_db / 20.0) * send)
    pending = np.zeros((size, channels), dtype=np.float32)
    for start in range(0, frames, hop):
        raise_if_cancelled()
        stop = min(start + hop, frames)
        mid = send_of(start, stop)
        if mid.any():  # silent stretches (between one-shots) cost no FFT
            spectrum = fft.rfft(mid, n=size)
            for ch in range(channels):
                pending[:, ch] += fft.irfft(spectrum * spectra[ch], n=size)
        mix[start:stop] += pending[: stop - start] * level
        pending[:-hop] = pending[hop:].copy()
        pending[-hop:] = 0.0
