"""DSP building blocks for the recipe library: noise, filters, control curves, grains, modes.

Everything works on whole buffers (NumPy, scipy.signal); nothing loops per sample. A full-rate
IIR pass over 60 s of audio costs ~20 ms here while extra sections in the same `sosfilt` call
cost ~3 ms each, so recipes cascade sections into few calls, render band-limited layers at a
reduced rate (`low_rate_factor`, `upsample`), and build event streams as sparse impulses or
grains rather than per-event Python loops.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundloom_server.engine.cancellation import cancellable, raise_if_cancelled
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec

Audio = npt.NDArray[np.float32]
Sos = npt.NDArray[np.float64]

# ---------------------------------------------------------------- parameter conventions

INTENSITY = ParamSpec("intensity", 0.5, doc="How strong or dense: 0 faint/sparse .. 1 violent")
DISTANCE = ParamSpec("distance", 0.3, doc="0 close .. 1 far: quieter and duller")
SIZE = ParamSpec("size", 0.5, doc="0 small .. 1 large: lower, longer resonances")

BED_RMS = 0.1  # -20 dBFS at default parameters; the mixer applies gains on top
ONESHOT_PEAK = 0.5  # -6 dBFS at intensity 1, distance 0


def bed_rms(intensity: float, distance: float) -> float:
    """Target RMS of a bed: 0.1 at defaults, +-6 dB over intensity, -8 dB when far."""
    return BED_RMS * db(12.0 * (intensity - 0.5) - 8.0 * (distance - DISTANCE.default))


def oneshot_peak(intensity: float, distance: float) -> float:
    """Target peak of a one-shot: 0.5 at intensity 1 and distance 0, -12 dB at each extreme."""
    return ONESHOT_PEAK * db(-12.0 * (1.0 - intensity) - 12.0 * distance)


def distance_cutoff(distance: float) -> float:
    """Air absorption as a low-pass cutoff: 18 kHz close, ~10 kHz at 0.3, ~2 kHz far."""
    return 18000.0 * 0.12**distance


def db(value: float) -> float:
    """Decibels to a linear gain."""
    return float(10.0 ** (value / 20.0))


# ---------------------------------------------------------------- noise


def white(rng: np.random.Generator, n: int) -> Audio:
    """Uniform white noise with unit variance (raw 16-bit draws: ~2x faster than `random`)."""
    raw = rng.bit_generator.random_raw((n + 3) // 4)
    noise = raw.view(np.int16)[:n].astype(np.float32)
    noise *= np.float32(np.sqrt(3.0) / 32768.0)
    return noise


# Paul Kellet's economy pink filter (-3 dB/octave within ~0.5 dB above 20 Hz at 44.1-48 kHz).
_PINK_SOS = signal.tf2sos(
    [0.049922035, -0.095993537, 0.050612699, -0.004408786],
    [1.0, -2.494956002, 2.017265875, -0.522189400],
)


def pink_sos() -> Sos:
    """The pink-noise shaping filter, to cascade with other sections in one `filt` call."""
    return _PINK_SOS.copy()


def brown_sos(sr: int, corner_hz: float = 20.0) -> Sos:
    """A leaky integrator (-6 dB/octave above `corner_hz`): white noise in, brown noise out."""
    r = float(np.exp(-2.0 * np.pi * corner_hz / sr))
    return np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]])


# ---------------------------------------------------------------- filter design (SOS)


def _clamp(freq: float, sr: int) -> float:
    # Recipes ask for fixed frequencies; low sample rates must not push them past Nyquist.
    return float(min(max(freq, 1.0), 0.45 * sr))


@functools.lru_cache(maxsize=256)
def _butter(order: int, freqs: tuple[float, ...], btype: str, sr: int) -> Sos:
    # Designing costs ~0.3 ms, a lot next to filtering a short buffer; fixed corners recur.
    sos = signal.butter(order, freqs if len(freqs) > 1 else freqs[0], btype, fs=sr, output="sos")
    sos.setflags(write=False)  # shared by every caller: handed out as copies
    return sos


def lowpass(freq: float, sr: int, order: int = 2) -> Sos:
    """Butterworth low-pass sections."""
    return _butter(order, (_clamp(freq, sr),), "lowpass", sr).copy()


def highpass(freq: float, sr: int, order: int = 2) -> Sos:
    """Butterworth high-pass sections."""
    return _butter(order, (_clamp(freq, sr),), "highpass", sr).copy()


def bandpass(low: float, high: float, sr: int, order: int = 1) -> Sos:
    """Butterworth band-pass sections (`order` per edge)."""
    lo, hi = _clamp(low, sr), _clamp(high, sr)
    hi = max(hi, lo * 1.05)
    return _butter(order, (lo, min(hi, 0.49 * sr)), "bandpass", sr).copy()


def motion_band(low: float, high: float, rate: int, order: int = 2) -> Sos:
    """Butterworth band-pass for a motion curve on a control grid (a hull's roll, a buoy's
    swell): corners well under 1 Hz kept as asked, where `bandpass` clamps them to 1 Hz."""
    return _butter(order, (float(low), float(min(high, 0.45 * rate))), "bandpass", rate).copy()


def resonator(freq: float, q: float, sr: int) -> Sos:
    """A two-pole band-pass with 0 dB peak gain: an impulse in rings at `freq` for ~Q/(pi f) s."""
    w = 2.0 * np.pi * _clamp(freq, sr) / sr
    alpha = np.sin(w) / (2.0 * q)
    a0 = 1.0 + alpha
    return np.array([[alpha / a0, 0.0, -alpha / a0, 1.0, -2.0 * np.cos(w) / a0, (1 - alpha) / a0]])


def peak(freq: float, q: float, gain_db: float, sr: int) -> Sos:
    """An RBJ peaking equaliser section: a resonance added on top of a flat response."""
    a = 10.0 ** (gain_db / 40.0)
    w = 2.0 * np.pi * _clamp(freq, sr) / sr
    alpha = np.sin(w) / (2.0 * q)
    cw = -2.0 * np.cos(w)
    a0 = 1.0 + alpha / a
    b = np.array([1.0 + alpha * a, cw, 1.0 - alpha * a]) / a0
    den = np.array([1.0, cw / a0, (1.0 - alpha / a) / a0])
    return np.concatenate([b, den])[None, :]


def cascade(*parts: Sos) -> Sos:
    """Sections in series, to run in one `filt` call."""
    return np.vstack(parts)


# A fixed -400 dB noise block added before filtering: sparse inputs (impulse trains, gaps
# between syllables) otherwise leave filter states decaying into float32 denormals, which the
# CPU processes up to ~5x slower.
_GUARD = (np.random.default_rng(0).standard_normal(4096) * 1e-20).astype(np.float32)


FILT_BLOCK = 1 << 19  # ~11 s at 48 kHz: a few ms of filtering between cancellation checks


def filt(sos: Sos, x: npt.ArrayLike, axis: int = 0) -> Audio:
    """Run SOS sections over a buffer in float32 (no float64 copies; ample for sound design)."""
    x32 = np.asarray(x, dtype=np.float32)
    moved = np.moveaxis(x32, axis, -1)
    guarded = np.empty(moved.shape, np.float32)
    whole = moved.shape[-1] // _GUARD.shape[0] * _GUARD.shape[0]
    shape = (*moved.shape[:-1], -1, _GUARD.shape[0])
    np.add(moved[..., :whole].reshape(shape), _GUARD, out=guarded[..., :whole].reshape(shape))
    np.add(moved[..., whole:], _GUARD[: moved.shape[-1] - whole], out=guarded[..., whole:])
    sections = np.asarray(sos, dtype=np.float32)
    if guarded.shape[-1] <= FILT_BLOCK or not cancellable():
        return np.moveaxis(signal.sosfilt(sections, guarded, axis=-1), -1, axis)
    # In blocks, carrying the filter state: the same samples bit for bit, and a cancelled
    # render stops within one block instead of after the whole buffer.
    out = np.empty_like(guarded)
    state = np.zeros((sections.shape[0], *guarded.shape[:-1], 2), np.float32)
    for start in range(0, guarded.shape[-1], FILT_BLOCK):
        raise_if_cancelled()
        part = guarded[..., start : start + FILT_BLOCK]
        out[..., start : start + FILT_BLOCK], state = signal.sosfilt(
            sections, part, axis=-1, zi=state
        )
    return np.moveaxis(out, -1, axis)


# ---------------------------------------------------------------- rates and control curves


def low_rate_factor(sr: int, min_rate: float) -> int:
    """The largest integer decimation that keeps the rate at or above `min_rate`."""
    return max(1, int(sr // min_rate))


def upsample(x: npt.ArrayLike, factor: int, frames: int) -> Audio:
    """Linear interpolation by an integer factor to exactly `frames` samples.

    Only for material far below the low rate's Nyquist (control curves, rumble): linear
    interpolation attenuates the images by sinc^2, >35 dB for content under a tenth of the rate.
    """
    src = np.asarray(x, dtype=np.float32)
    if factor == 1:
        return _pad_to(src, frames)
    m = -(-frames // factor)
    src = _pad_to(src, m + 1)
    start, step = src[:-1], src[1:] - src[:-1]
    if factor <= 4:
        # Few phases: one strided pass per phase beats a broadcast with a tiny inner axis.
        out = np.empty((m, factor), np.float32)
        for j in range(factor):
            np.multiply(step, np.float32(j / factor), out=out[:, j])
            out[:, j] += start
        return out.reshape(-1)[:frames]
    ramp = np.arange(factor, dtype=np.float32) / np.float32(factor)
    return (ramp[:, None] * step[None, :] + start[None, :]).T.reshape(-1)[:frames]


def upsample_stereo(x: Audio, factor: int, frames: int) -> Audio:
    """`upsample` for a channels-first (2, m) buffer, into a (frames, 2) one."""
    return np.stack([upsample(x[0], factor, frames), upsample(x[1], factor, frames)], axis=1)


def upsample_polyphase(x: Audio, factor: int, frames: int, axis: int = 0) -> Audio:
    """Up by an integer factor with a polyphase filter, into (frames, channels): for material
    near the low rate's Nyquist, whose images linear interpolation (`upsample`) leaves audible.

    `axis` is the time axis of `x` (1 for a channels-first buffer)."""
    out = signal.resample_poly(x, factor, 1, axis=axis)
    out = (out[:, :frames].T if axis == 1 else out[:frames]).astype(np.float32)
    return np.ascontiguousarray(np.pad(out, ((0, max(0, frames - out.shape[0])), (0, 0))))


def _pad_to(x: Audio, n: int) -> Audio:
    if x.shape[0] >= n:
        return x[:n]
    return np.concatenate([x, np.full(n - x.shape[0], x[-1] if x.size else 0.0, np.float32)])


def slow_noise(
    rng: np.random.Generator, frames: int, sr: int, cutoff_hz: float, control_rate: int = 200
) -> Audio:
    """A smooth random curve (zero mean, unit std) whose wiggles are slower than `cutoff_hz`."""
    factor = max(1, sr // control_rate)
    rate = sr / factor
    warm = int(3.0 * rate / max(cutoff_hz, 0.01))  # skip the filter's start-up transient
    n = frames // factor + 2
    raw = rng.standard_normal(n + warm)
    curve = signal.sosfilt(lowpass(cutoff_hz, int(rate), order=2), raw)[warm:]
    curve = (curve - curve.mean()) / (curve.std() + 1e-12)
    return upsample(curve, factor, frames)


def drift(rng: np.random.Generator, frames: int, sr: int, cutoff_hz: float) -> Audio:
    """A smooth random curve for sub-hertz motion (gusts, flare-ups): unit std in the long run.

    `slow_noise` designs its filter at a 200 Hz control rate through the 1 Hz corner clamp, so
    any cutoff below 1 Hz wobbles at 1 Hz. Here the curve is filtered at a control rate of
    100x the cutoff and interpolated. It is scaled by the filter's own noise gain, not by the
    buffer's spread: a few seconds of a 0.1 Hz curve may rightly hold only half a gust.
    """
    cutoff = min(max(cutoff_hz, 0.005), 50.0)
    factor = max(1, int(sr / (100.0 * cutoff)))
    rate = sr / factor
    sos = signal.butter(2, cutoff, fs=rate, output="sos")
    impulse = np.zeros(int(20.0 * rate / cutoff))
    impulse[0] = 1.0
    noise_gain = float(np.sqrt(np.sum(signal.sosfilt(sos, impulse) ** 2)))
    warm = int(4.0 * rate / cutoff)  # past the filter's start-up transient
    raw = rng.standard_normal(frames // factor + 2 + warm)
    curve = signal.sosfilt(sos, raw)[warm:] / noise_gain
    return upsample(curve, factor, frames)


def envelope_ad(t: npt.ArrayLike, attack: float, decay: float) -> npt.NDArray[np.float64]:
    """Attack-decay shape over times `t` (s): raised-cosine rise, exponential fall; 0 before."""
    t = np.asarray(t, dtype=np.float64)
    rise = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / max(attack, 1e-6), 0.0, 1.0))
    fall = np.exp(-np.maximum(t - attack, 0.0) / max(decay, 1e-6))
    return np.where(t < 0.0, 0.0, rise * fall)


# ---------------------------------------------------------------- event streams


def poisson_times(rng: np.random.Generator, rate_hz: float, frames: int, sr: int) -> np.ndarray:
    """Sorted frame positions of a Poisson process at `rate_hz` over `frames`."""
    count = rng.poisson(max(rate_hz, 0.0) * frames / sr)
    return np.sort(rng.integers(0, max(frames, 1), size=count))


def thin(rng: np.random.Generator, positions: np.ndarray, keep: npt.ArrayLike) -> np.ndarray:
    """Keep each event with probability `keep[pos]`: a Poisson stream with a time-varying rate."""
    p = np.asarray(keep)[positions]
    return positions[rng.random(positions.shape[0]) < p]


def impulses(frames: int, positions: np.ndarray, amplitudes: npt.ArrayLike) -> Audio:
    """A sparse impulse train (coinciding impulses add)."""
    out = np.zeros(frames, np.float32)
    np.add.at(out, positions, np.asarray(amplitudes, dtype=np.float32))
    return out


class Grains:
    """The flattened sample grid of many short grains: one entry per sample of every grain.

    Grain synthesis evaluates a formula over `t` (samples since each grain's start) with per-grain
    parameters spread by `per_grain`, then `scatter` overlap-adds everything with one `np.add.at`
    per channel.
    """

    def __init__(self, starts: npt.ArrayLike, lengths: npt.ArrayLike, frames: int) -> None:
        starts = np.asarray(starts, dtype=np.int64)
        lengths = np.clip(np.asarray(lengths, dtype=np.int64), 0, None)
        lengths = np.minimum(lengths, np.maximum(frames - starts, 0))  # clip at the buffer's end
        self.count = int(starts.shape[0])
        self.frames = frames
        offsets = np.cumsum(lengths) - lengths
        local = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(offsets, lengths)
        self.position = np.repeat(starts, lengths) + local
        self.t = local.astype(np.float32)
        self.lengths = lengths

    def per_grain(self, values: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Spread one value per grain to every sample of that grain."""
        # A sequential repeat is ~2x faster than a fancy-index gather.
        return np.repeat(np.asarray(values, dtype=np.float32), self.lengths)

    def scatter(
        self,
        values: Audio,
        gain_left: npt.ArrayLike,
        gain_right: npt.ArrayLike,
        out: Audio | None = None,
    ) -> Audio:
        """Overlap-add grain samples into a (frames, 2) buffer with per-grain channel gains."""
        if out is None:
            out = np.zeros((self.frames, 2), np.float32)
        np.add.at(out[:, 0], self.position, values * self.per_grain(gain_left))
        np.add.at(out[:, 1], self.position, values * self.per_grain(gain_right))
        return out


# ---------------------------------------------------------------- modal synthesis


def modal_ir(
    freqs: npt.ArrayLike, t60s: npt.ArrayLike, gains: npt.ArrayLike, length: int, sr: int
) -> Audio:
    """Impulse response of a bank of decaying sinusoidal modes (frequency, T60, gain each)."""
    f = np.asarray(freqs, dtype=np.float64)
    keep = f < 0.48 * sr  # modes above Nyquist do not exist at this rate
    f = f[keep]
    t60 = np.asarray(t60s, dtype=np.float64)[keep]
    g = np.asarray(gains, dtype=np.float64)[keep]
    t = np.arange(length, dtype=np.float32) / np.float32(sr)
    ir = np.zeros(length, np.float32)
    for fk, tk, gk in zip(f, t60, g, strict=True):  # a few dozen modes at most
        n = min(length, int(tk * sr * 1.2) + 1)  # past T60 x 1.2 a mode is < -70 dB
        decay = np.float32(6.9078 / tk)  # ln(1000): -60 dB at T60
        ir[:n] += (
            np.float32(gk) * np.exp(-decay * t[:n]) * np.sin(np.float32(2 * np.pi * fk) * t[:n])
        )
    return ir


def convolve(x: npt.ArrayLike, ir: npt.ArrayLike, frames: int) -> Audio:
    """Linear convolution (FFT overlap-add) cut or padded to `frames`."""
    y = signal.oaconvolve(np.asarray(x, np.float32), np.asarray(ir, np.float32))
    return (
        _pad_to(y[:frames].astype(np.float32, copy=False), frames)
        if y.size
        else np.zeros(frames, np.float32)
    )


def noise_burst(
    rng: np.random.Generator,
    length: int,
    sr: int,
    band: tuple[float, float],
    attack: float,
    decay: float,
    order: int = 1,
) -> Audio:
    """Band-passed noise with an attack-decay envelope, peak 1."""
    env = envelope_ad(np.arange(length) / sr, attack, decay).astype(np.float32)
    out = filt(bandpass(*band, sr, order=order), white(rng, length) * env)
    return out * np.float32(1.0 / (peak_of(out) + 1e-9))


def half_sine(width_s: float, sr: int) -> Audio:
    """A half-sine pulse: the contact force of a soft strike lasting `width_s`."""
    n = max(2, int(width_s * sr))
    return np.sin(np.pi * (np.arange(n, dtype=np.float32) + 0.5) / n).astype(np.float32)


# ---------------------------------------------------------------- stereo and level


def pan_gains(pan: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Equal-power gains (left, right) for pan -1 .. 1."""
    angle = (np.clip(np.asarray(pan, dtype=np.float64), -1.0, 1.0) + 1.0) * (np.pi / 4.0)
    return np.cos(angle), np.sin(angle)


def widen(mono: Audio, sr: int, delay_s: float = 0.013, width: float = 0.9) -> Audio:
    """Decorrelated stereo from one channel (Lauridsen: L = x + w*x(t-d), R = x - w*x(t-d)).

    The channels carry complementary comb spectra, so L/R correlation is (1-w^2)/(1+w^2) while
    the mono fold-down is exactly the input: a full-rate layer costs one pass instead of two.
    """
    d = min(max(1, int(delay_s * sr)), max(mono.shape[0] - 1, 1))
    m = mono * np.float32(1.0 / np.sqrt(1.0 + width * width))
    side = m[:-d] * np.float32(width)
    left = m.copy()
    left[d:] += side
    m[d:] -= side
    return np.stack([left, m], axis=1)


def stereo(left: Audio, right: Audio) -> Audio:
    """Two channels as one (frames, 2) buffer."""
    return np.stack([left, right], axis=1)


def rms_of(audio: Audio) -> float:
    """Root-mean-square level (a BLAS dot product: no float64 copy of the buffer)."""
    flat = np.ascontiguousarray(audio).reshape(-1)
    return float(np.sqrt(np.dot(flat, flat) / max(flat.shape[0], 1)))


def peak_of(audio: Audio) -> float:
    """Absolute peak without allocating `abs(audio)`."""
    return float(max(audio.max(), -audio.min()))


def fit_rms(audio: Audio, target: float, peak_limit: float = 0.9) -> Audio:
    """Scale to RMS `target`, but never past a peak of `peak_limit`."""
    if not audio.size:
        return audio
    rms, peak_ = rms_of(audio), peak_of(audio)
    if rms <= 1e-12 or peak_ <= 1e-12:
        return audio
    gain = min(target / rms, peak_limit / peak_)
    audio *= np.float32(gain)
    return audio


def fit_peak(audio: Audio, target: float) -> Audio:
    """Scale so the absolute peak is `target`."""
    peak_ = peak_of(audio) if audio.size else 0.0
    if peak_ > 1e-12:
        audio *= np.float32(target / peak_)
    return audio


def place(out: Audio, sound: Audio, start: int, gain: float = 1.0) -> None:
    """Add `sound` (mono into mono/stereo, or stereo into stereo) at frame `start`, clipped."""
    start = int(start)
    end = min(out.shape[0], start + sound.shape[0])
    if start < 0 or start >= end:
        return
    piece = sound[: end - start] * np.float32(gain) if gain != 1.0 else sound[: end - start]
    if out.ndim == 2 and piece.ndim == 1:
        piece = piece[:, None]
    out[start:end] += piece


def finish_one_shot(
    out: Audio, sr: int, intensity: float, distance: float, fade_s: float = 0.1
) -> Audio:
    """Air absorption for the distance, a fade to rest at the event's end, the one-shot peak."""
    out = filt(lowpass(distance_cutoff(distance), sr), out)
    fade_out(out, int(min(fade_s, 0.1 * out.shape[0] / sr) * sr))
    return fit_peak(out, oneshot_peak(intensity, distance))


def fade_out(audio: Audio, frames: int) -> Audio:
    """A raised-cosine fade over the last `frames`: a tail cut short ends at zero, not a click."""
    n = min(frames, audio.shape[0])
    if n > 1:
        ramp = (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n))).astype(np.float32)
        audio[-n:] *= ramp.reshape((n,) + (1,) * (audio.ndim - 1))
    return audio
