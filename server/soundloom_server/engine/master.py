"""Mastering: gain to an integrated-loudness target, then a look-ahead true-peak limiter.

The limiter works on a control signal decimated by `CONTROL_BLOCK` frames (the gain moves over
milliseconds, so 0.33 ms resolution loses nothing) and only touches the stretches where it reduces
gain. Loudness after limiting is measured exactly but cheaply: K-weighting is linear, so the
K-weighted output is `G * (K(x) - K(x * (1 - g)))`, and `x * (1 - g)` is zero outside those
stretches. That keeps a 60 s stereo master near 100 ms on one core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from soundloom_server.engine import loudness as lm
from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.loudness import LoudnessReport

LOOKAHEAD_S = 0.005  # attack ramp: the gain is fully down when the peak arrives
RELEASE_S = 0.08  # time constant of the exponential release of gain reduction (dB)
CONTROL_BLOCK = 16  # frames per control-signal step
CEILING_MARGIN_DB = 0.05  # limiter aims this far under the ceiling; the final check trims the rest
MAX_ROUNDS = 3
AIM_LU = 0.05  # stop iterating when this close (the promise is +-0.2 LU)
K_TAIL_S = 0.05  # K-weighting impulse response is < 1e-4 after this (38 Hz high pass, Q 0.5)
MERGE_GAP_S = 0.1  # limited stretches closer than this are processed as one
WRAP_CONTEXT_S = 1.0  # circular mode: wrap-around context on each side (>> release memory)


def apply_gain_db(audio: np.ndarray, db: float) -> np.ndarray:
    """`audio` scaled by `db` decibels, float32; a non-finite gain is refused."""
    if not math.isfinite(db):
        raise ValueError(f"gain must be finite, got {db} dB")
    return (np.asarray(audio, dtype=np.float32) * np.float32(10.0 ** (db / 20.0))).astype(
        np.float32
    )


# ---------------------------------------------------------------- limiter


@dataclass(frozen=True)
class _Runs:
    """Stretches where the limiter's gain is below 1: start frames and per-frame gains."""

    starts: tuple[int, ...]
    gains: tuple[np.ndarray, ...]
    max_reduction_db: float


class _Limiter:
    """Look-ahead true-peak limiter over one signal; `runs(gain_db)` is the gain for one round."""

    def __init__(
        self, audio: np.ndarray, sample_rate: int, ceiling_db: float, offset: int, frames: int
    ):
        self.audio = audio  # possibly wrap-padded; output frames are [offset, offset + frames)
        self.offset, self.frames = offset, frames
        self.ceiling_db = ceiling_db
        self.peak = lm.channel_peak(audio)
        self.blocks = -(-audio.shape[0] // CONTROL_BLOCK)
        lookahead = max(2, math.ceil(LOOKAHEAD_S * sample_rate / CONTROL_BLOCK))
        # Forward-max window W and trailing smoothing of total support W - 1: every block whose
        # smoothing reaches a peak's block (or the block before, for the 12 interpolation taps)
        # holds at least that peak's reduction, so the gain never exceeds what the peak needs.
        self.window = 2 * math.ceil(lookahead / 2) + 2
        self.release = math.exp(-CONTROL_BLOCK / (RELEASE_S * sample_rate))
        self.env_db = np.full(self.blocks, -np.inf)
        self.threshold = math.inf  # envelope is exact wherever a true peak could reach this

    def _envelope(self, threshold: float) -> None:
        # Only frames within 6 dB of the threshold can make an interpolated peak above it.
        if threshold >= self.threshold:
            return
        env = self.peak.copy()
        outputs = lm.candidate_outputs(self.peak, threshold)
        if outputs.size:
            # An interpolated value is charged to its latest tap; the window covers the others.
            np.maximum.at(
                env,
                np.minimum(outputs, env.shape[0] - 1),
                lm.interpolated_peaks(self.audio, outputs),
            )
        padded = np.zeros(self.blocks * CONTROL_BLOCK, dtype=np.float32)
        padded[: env.shape[0]] = env
        with np.errstate(divide="ignore"):
            self.env_db = 20.0 * np.log10(padded.reshape(self.blocks, CONTROL_BLOCK).max(axis=1))
        self.threshold = threshold

    def reduction_db(self, gain_db: float) -> np.ndarray:
        """Control-rate gain reduction (dB, >= 0) that keeps `gain_db * audio` under the ceiling."""
        # Ask for exactness 3 dB beyond this round's need so later rounds rarely recompute.
        self._envelope(10.0 ** ((self.ceiling_db - gain_db - 3.0) / 20.0))
        need = np.maximum(self.env_db + gain_db - self.ceiling_db, 0.0)
        if not need.any():
            return need
        held = ndimage.maximum_filter1d(
            need, self.window, origin=-(self.window // 2), mode="nearest"
        )
        with np.errstate(divide="ignore"):
            # Peak hold, exponential release: max_k<=n held[k] * r^(n-k), a running max in logs.
            steps = np.arange(self.blocks) * math.log(self.release)
            released = np.exp(np.maximum.accumulate(np.log(held) - steps) + steps)
        half = self.window // 2
        smooth = ndimage.uniform_filter1d(released, half, origin=(half - 1) // 2, mode="nearest")
        smooth = ndimage.uniform_filter1d(smooth, half, origin=(half - 1) // 2, mode="nearest")
        return np.maximum(smooth, 0.0)

    def runs(self, gain_db: float, sample_rate: int) -> _Runs:
        """Per-frame limiter gains (< 1) over merged stretches of the output frames."""
        reduction = self.reduction_db(gain_db)
        if not reduction.any():
            return _Runs((), (), 0.0)
        # Min over neighbours, then linear interpolation from block starts: every frame of block b
        # gets a mix of safe[b] and safe[b + 1], both <= the gain block b needs.
        safe = ndimage.minimum_filter1d(10.0 ** (-reduction / 20.0), 3, mode="nearest")
        safe = np.append(safe, safe[-1]).astype(np.float32)
        active = np.flatnonzero(safe[:-1] < 1.0 - 1e-7)
        merge = max(2, int(MERGE_GAP_S * sample_rate / CONTROL_BLOCK))
        splits = np.flatnonzero(np.diff(active) > merge)
        ramp = np.arange(CONTROL_BLOCK, dtype=np.float32) / CONTROL_BLOCK
        starts, gains = [], []
        for first, last in zip(
            np.r_[active[0], active[splits + 1]], np.r_[active[splits], active[-1]], strict=True
        ):
            lo_b, hi_b = max(int(first) - 1, 0), min(int(last) + 2, self.blocks)
            g = (
                safe[lo_b:hi_b, None]
                + (safe[lo_b + 1 : hi_b + 1] - safe[lo_b:hi_b])[:, None] * ramp
            )
            lo, hi = lo_b * CONTROL_BLOCK, hi_b * CONTROL_BLOCK
            cut_lo, cut_hi = max(lo, self.offset), min(hi, self.offset + self.frames)
            if cut_hi > cut_lo:
                starts.append(cut_lo - self.offset)
                gains.append(g.ravel()[cut_lo - lo : cut_hi - lo])
        return _Runs(tuple(starts), tuple(gains), float(reduction.max()))


# ---------------------------------------------------------------- output loudness


class _OutputMeter:
    """Loudness of `gain * audio * limiter_gain` from the input's K-weighting plus corrections."""

    def __init__(self, audio: np.ndarray, sample_rate: int):
        self.audio, self.sample_rate = audio, sample_rate
        self.sos = lm.k_weighting_sos(sample_rate).astype(np.float32)
        self.kw = lm.k_weighted(audio, sample_rate)
        self.power = lm.weighted_power(self.kw)
        self.tail = int(K_TAIL_S * sample_rate)
        frames = audio.shape[0]
        self.bounds = lm.block_bounds(frames, sample_rate, lm.BLOCK_S, lm.BLOCK_OVERLAP)
        self.energies = lm.block_energies(self.power, sample_rate, lm.BLOCK_S, lm.BLOCK_OVERLAP)
        self.lra = frames >= lm.LRA_WINDOW_S * sample_rate
        if self.lra:
            overlap = 1.0 - lm.LRA_HOP_S / lm.LRA_WINDOW_S
            self.lra_bounds = lm.block_bounds(frames, sample_rate, lm.LRA_WINDOW_S, overlap)
            self.lra_energies = lm.block_energies(self.power, sample_rate, lm.LRA_WINDOW_S, overlap)

    def _delta_power(self, start: int, gains: np.ndarray, exact: bool) -> np.ndarray:
        if not exact:
            # K(x * g) ~ K(x) * g for a gain that moves over milliseconds; good to ~0.01 LU.
            return self.power[start : start + gains.shape[0]] * (np.square(gains) - 1.0)
        stop = min(start + gains.shape[0] + self.tail, self.power.shape[0])
        removed = np.zeros((stop - start, self.audio.shape[1]), dtype=np.float32)
        removed[: gains.shape[0]] = (
            self.audio[start : start + gains.shape[0]] * (1.0 - gains)[:, None]
        )
        # Linearity: K(x*g) = K(x) - K(x*(1-g)), and x*(1-g) is at rest before `start`.
        limited = self.kw[start:stop] - signal.sosfilt(self.sos, removed, axis=0)
        return lm.weighted_power(limited) - self.power[start:stop]

    def levels(self, gain_db: float, runs: _Runs, exact: bool) -> tuple[float, float]:
        """(integrated LUFS, LRA) of the output; LRA only when `exact`."""
        energies = self.energies.copy()
        lra_energies = self.lra_energies.copy() if exact and self.lra else None
        for start, gains in zip(runs.starts, runs.gains, strict=True):
            delta = self._delta_power(start, gains, exact)
            _add_block_sums(energies, self.bounds, start, delta, lm.BLOCK_S * self.sample_rate)
            if lra_energies is not None:
                length = lm.LRA_WINDOW_S * self.sample_rate
                _add_block_sums(lra_energies, self.lra_bounds, start, delta, length)
        scale = 10.0 ** (gain_db / 10.0)
        level = lm.gated_loudness(energies * scale)
        lra = lm.lra_from_energies(lra_energies * scale) if lra_energies is not None else 0.0
        return level, lra


def _add_block_sums(
    energies: np.ndarray, bounds: np.ndarray, start: int, delta: np.ndarray, norm: float
) -> None:
    stop = start + delta.shape[0]
    first = int(np.searchsorted(bounds[:, 1], start, side="right"))
    last = int(np.searchsorted(bounds[:, 0], stop, side="left"))
    if last <= first:
        return
    csum = np.concatenate([[0.0], np.cumsum(delta, dtype=np.float64)])
    lo = np.clip(bounds[first:last, 0] - start, 0, delta.shape[0])
    hi = np.clip(bounds[first:last, 1] - start, 0, delta.shape[0])
    energies[first:last] += (csum[hi] - csum[lo]) / norm


# ---------------------------------------------------------------- master


def _apply(audio: np.ndarray, offset: int, frames: int, gain_db: float, runs: _Runs) -> np.ndarray:
    out = audio[offset : offset + frames] * np.float32(10.0 ** (gain_db / 20.0))
    for start, gains in zip(runs.starts, runs.gains, strict=True):
        out[start : start + gains.shape[0]] *= gains[:, None]
    return out


def _prepare(audio: np.ndarray) -> np.ndarray:
    data = np.asarray(audio, dtype=np.float32)
    data = data[:, None] if data.ndim == 1 else data
    if data.ndim != 2:
        raise ValueError(f"audio must be shaped (frames, channels), got {data.shape}")
    if not np.isfinite(data).all():
        raise ValueError("audio contains NaN or infinity")
    return data


def master(
    audio: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    ceiling_dbtp: float = -1.0,
    circular: bool = False,
) -> tuple[np.ndarray, LoudnessReport]:
    """Gain to `target_lufs`, true-peak limit to `ceiling_dbtp`, and report what came out."""
    data = _prepare(audio)
    meter = (
        _OutputMeter(data, sample_rate) if lm.is_measurable(data.shape[0], sample_rate) else None
    )
    if meter is not None:
        level = lm.gated_loudness(meter.energies)
    else:
        level = lm.short_clip_loudness(data, sample_rate)
    if not math.isfinite(level):
        # Silence (or below the -70 LUFS gate): any gain would be computed from -inf.
        return data.reshape(np.shape(audio)).copy(), lm.measure(data, sample_rate, target_lufs)
    frames = data.shape[0]
    offset = 0
    source = data
    if circular:
        offset = min(int(WRAP_CONTEXT_S * sample_rate), 8 * frames)
        source = np.pad(data, ((offset, offset), (0, 0)), mode="wrap")
    limiter = _Limiter(source, sample_rate, ceiling_dbtp - CEILING_MARGIN_DB, offset, frames)

    def round_level(gain: float, runs: _Runs) -> float:
        if meter is not None:
            return meter.levels(gain, runs, exact=False)[0]
        return lm.short_clip_loudness(_apply(source, offset, frames, gain, runs), sample_rate)

    gain_db = target_lufs - level
    for _ in range(2):
        # Rounds use the fast loudness estimate; the report then measures exactly, and a miss
        # beyond the aim (rare: heavy limiting) buys one more pass.
        for _ in range(MAX_ROUNDS):
            raise_if_cancelled()
            runs = limiter.runs(gain_db, sample_rate)
            level = round_level(gain_db, runs)
            if abs(level - target_lufs) <= AIM_LU:
                break
            gain_db += target_lufs - level
        out = _apply(source, offset, frames, gain_db, runs)
        out, report = _finish(
            out, sample_rate, target_lufs, ceiling_dbtp, gain_db, runs, level, meter
        )
        if abs(report.integrated_lufs - target_lufs) <= 2 * AIM_LU:
            break
        gain_db = report.gain_db + target_lufs - report.integrated_lufs
    return out.reshape(np.shape(audio)), report


def limit_true_peak(
    audio: np.ndarray, sample_rate: int, ceiling_dbtp: float = -1.0, circular: bool = False
) -> np.ndarray:
    """Only the true-peak limiter (no loudness gain): for stems that follow the mix's gain."""
    data = _prepare(audio)
    if not data.size:
        return data.reshape(np.shape(audio)).copy()
    frames, offset, source = data.shape[0], 0, data
    if circular:
        offset = min(int(WRAP_CONTEXT_S * sample_rate), 8 * frames)
        source = np.pad(data, ((offset, offset), (0, 0)), mode="wrap")
    limiter = _Limiter(source, sample_rate, ceiling_dbtp - CEILING_MARGIN_DB, offset, frames)
    out = _apply(source, offset, frames, 0.0, limiter.runs(0.0, sample_rate))
    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    true_peak = lm.true_peak_linear(out)
    if true_peak > ceiling:
        out *= np.float32(ceiling / true_peak * 10.0 ** (-0.001 / 20.0))
    return out.reshape(np.shape(audio))


def _finish(
    out: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    ceiling_dbtp: float,
    gain_db: float,
    runs: _Runs,
    level: float,
    meter: _OutputMeter | None,
) -> tuple[np.ndarray, LoudnessReport]:
    # Interpolation makes the limited true peak differ from the control estimate by hundredths of
    # a dB; measure the output itself and take any excess off the whole signal.
    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    sample_peak, true_peak = lm.peaks(out)
    trim_db = 0.0
    if true_peak > ceiling:
        trim_db = 20.0 * math.log10(ceiling / true_peak) - 0.001
        out *= np.float32(10.0 ** (trim_db / 20.0))
    lra = 0.0
    if meter is not None:
        level, lra = meter.levels(gain_db + trim_db, runs, exact=True)
    else:
        level += trim_db
    scale = 10.0 ** (trim_db / 20.0)
    report = LoudnessReport(
        integrated_lufs=level,
        true_peak_dbtp=20.0 * math.log10(true_peak * scale),
        loudness_range_lu=lra,
        sample_peak_dbfs=20.0 * math.log10(sample_peak * scale),
        target_lufs=target_lufs,
        gain_db=gain_db + trim_db,
        limiter_reduction_db=runs.max_reduction_db,
        method="bs1770" if meter is not None else "short-clip",
    )
    return out, report
