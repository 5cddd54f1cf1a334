"""Mastering: gain to an integrated-loudness target, then a look-ahead true-peak limiter.

The limiter works on a control signal decimated by `CONTROL_BLOCK` frames (the gain moves over
milliseconds, so 0.33 ms resolution loses nothing) and only computes interpolated peaks where
they could reach the ceiling. Everything that touches frames works chunk by chunk over the
buffer, which is mastered in place: a 10-minute scene costs its own buffer plus a few MB of
control signals, not copies of itself. One pass measures the input (loudness, control-rate
peaks and K-weighted power); each round estimates the output's loudness at control rate; the
last measures the output exactly (one more K-weighting pass) before it is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from soundloom_server.engine import loudness as lm
from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.loudness_report import LoudnessReport

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


# ---------------------------------------------------------------- signal access

CHUNK = lm.METER_CHUNK  # frames processed at once (a multiple of CONTROL_BLOCK)


@dataclass(frozen=True)
class _Source:
    """The buffer as the limiter sees it: with `offset` frames of wrap-around on each side
    when circular (a loop's seam is limited as the loop plays it)."""

    audio: np.ndarray
    offset: int

    @property
    def length(self) -> int:
        return self.audio.shape[0] + 2 * self.offset

    def frames(self, lo: int, hi: int) -> np.ndarray:
        """Frames [lo, hi) of the (virtual) padded signal."""
        n = self.audio.shape[0]
        if self.offset == 0 or hi <= lo:
            return self.audio[lo - self.offset : hi - self.offset] if hi > lo else self.audio[:0]
        index = (np.arange(lo, hi) - self.offset) % n
        first, last = int(index[0]), int(index[-1])
        if last - first == hi - lo - 1:  # no wrap inside: a view
            return self.audio[first : last + 1]
        return self.audio[index]


def _block_peaks(source: _Source) -> np.ndarray:
    """Sample peak over channels of every CONTROL_BLOCK frames of the source."""
    blocks = -(-source.length // CONTROL_BLOCK)
    out = np.zeros(blocks, dtype=np.float32)
    for lo in range(0, source.length, CHUNK):
        raise_if_cancelled()
        peak = lm.channel_peak(source.frames(lo, min(lo + CHUNK, source.length)))
        n = -(-peak.shape[0] // CONTROL_BLOCK)
        padded = np.zeros(n * CONTROL_BLOCK, dtype=np.float32)
        padded[: peak.shape[0]] = peak
        b = lo // CONTROL_BLOCK
        out[b : b + n] = padded.reshape(n, CONTROL_BLOCK).max(axis=1)
    return out


def _hot_spans(hot: np.ndarray) -> list[tuple[int, int]]:
    """[first, last + 1) runs of True blocks."""
    if not hot.any():
        return []
    index = np.flatnonzero(hot)
    splits = np.flatnonzero(np.diff(index) > 1)
    firsts = np.r_[index[0], index[splits + 1]]
    lasts = np.r_[index[splits], index[-1]] + 1
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


# ---------------------------------------------------------------- limiter


@dataclass(frozen=True)
class _Runs:
    """Where the limiter's gain is below 1: control-rate gains and the output frames they touch."""

    safe: np.ndarray  # per control block of the source (+1), float32; 1 where nothing is limited
    spans: tuple[tuple[int, int], ...]  # output frames [lo, hi) where the gain may be < 1
    offset: int  # source frame of output frame 0
    max_reduction_db: float

    def within(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The parts of [lo, hi) where the gain may be below 1."""
        return [(max(a, lo), min(b, hi)) for a, b in self.spans if a < hi and lo < b]

    def gains(self, lo: int, hi: int) -> np.ndarray:
        """Per-frame gains of output frames [lo, hi): linear between control-block values."""
        v = np.arange(lo + self.offset, hi + self.offset)
        block = v // CONTROL_BLOCK
        frac = (v % CONTROL_BLOCK).astype(np.float32) / np.float32(CONTROL_BLOCK)
        return self.safe[block] + (self.safe[block + 1] - self.safe[block]) * frac


_NO_RUNS = _Runs(np.ones(1, np.float32), (), 0, 0.0)


class _Limiter:
    """Look-ahead true-peak limiter over one source; `runs(gain_db)` is the gain for one round."""

    def __init__(self, source: _Source, sample_rate: int, ceiling_db: float, frames: int):
        self.source, self.frames = source, frames
        self.ceiling_db = ceiling_db
        self.block_peak = _block_peaks(source)
        self.blocks = self.block_peak.shape[0]
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
        env = self.block_peak.copy()
        hot = self.block_peak * lm.TRUE_PEAK_BOUND >= threshold
        hot[1:] |= hot[:-1].copy()  # a frame's outputs reach 11 frames on, into the next block
        for first, last in _hot_spans(hot):
            for lo in range(first * CONTROL_BLOCK, last * CONTROL_BLOCK, CHUNK):
                hi = min(lo + CHUNK, last * CONTROL_BLOCK, self.source.length)
                self._charge_interpolated(env, lo, hi, threshold)
        with np.errstate(divide="ignore"):
            self.env_db = 20.0 * np.log10(env)
        self.threshold = threshold

    def _charge_interpolated(self, env: np.ndarray, lo: int, hi: int, threshold: float) -> None:
        """Interpolated peaks of outputs [lo, hi) (each charged to its latest tap's block)."""
        taps = lm.TRUE_PEAK_TAPS
        start = max(lo - (taps - 1), 0)
        local = self.source.frames(start, hi)
        outputs = lm.candidate_outputs(lm.channel_peak(local), threshold)
        last_chunk = hi >= self.source.length  # outputs past the end are charged to its last block
        keep = outputs >= lo - start
        if not last_chunk:
            keep &= outputs < hi - start
        outputs = outputs[keep]
        if outputs.size == 0:
            return
        values = lm.interpolated_peaks(local, outputs)
        blocks = np.minimum(start + outputs, self.source.length - 1) // CONTROL_BLOCK
        np.maximum.at(env, blocks, values.astype(env.dtype))

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
        """The limiter's gains for this round, over merged stretches of the output frames."""
        reduction = self.reduction_db(gain_db)
        if not reduction.any():
            return _NO_RUNS
        # Min over neighbours, then linear interpolation from block starts: every frame of block b
        # gets a mix of safe[b] and safe[b + 1], both <= the gain block b needs.
        safe = ndimage.minimum_filter1d(10.0 ** (-reduction / 20.0), 3, mode="nearest")
        safe = np.append(safe, safe[-1]).astype(np.float32)
        active = np.flatnonzero(safe[:-1] < 1.0 - 1e-7)
        merge = max(2, int(MERGE_GAP_S * sample_rate / CONTROL_BLOCK))
        splits = np.flatnonzero(np.diff(active) > merge)
        offset, spans = self.source.offset, []
        for first, last in zip(
            np.r_[active[0], active[splits + 1]], np.r_[active[splits], active[-1]], strict=True
        ):
            lo_b, hi_b = max(int(first) - 1, 0), min(int(last) + 2, self.blocks)
            lo = max(lo_b * CONTROL_BLOCK, offset) - offset
            hi = min(hi_b * CONTROL_BLOCK, offset + self.frames) - offset
            if hi > lo:
                spans.append((lo, hi))
        return _Runs(safe, tuple(spans), offset, float(reduction.max()))


# ---------------------------------------------------------------- the output, chunk by chunk


def _output_chunks(
    audio: np.ndarray, gain_db: float, runs: _Runs
) -> Iterator[tuple[int, np.ndarray]]:
    """(start, frames) of `gain * audio * limiter` in chunks; the input is not changed."""
    gain = np.float32(10.0 ** (gain_db / 20.0))
    for lo in range(0, audio.shape[0], CHUNK):
        raise_if_cancelled()
        out = audio[lo : lo + CHUNK] * gain
        for a, b in runs.within(lo, lo + out.shape[0]):
            out[a - lo : b - lo] *= runs.gains(a, b)[:, None]
        yield lo, out


def _measure_output(
    audio: np.ndarray, sample_rate: int, gain_db: float, runs: _Runs, target_lufs: float
) -> LoudnessReport:
    meter = lm.LoudnessMeter(audio.shape[0], audio.shape[1], sample_rate)
    for _, out in _output_chunks(audio, gain_db, runs):
        meter.add(out)
    return meter.report(target_lufs)


def _write_output(audio: np.ndarray, gain_db: float, runs: _Runs) -> None:
    for lo, out in _output_chunks(audio, gain_db, runs):
        audio[lo : lo + out.shape[0]] = out


# ---------------------------------------------------------------- input analysis


@dataclass(frozen=True)
class _Input:
    """One pass over the input: its loudness, gating-block energies and control-rate K-weighted
    power (no peaks: the limiter reads the signal itself)."""

    level: float
    energies: np.ndarray  # per 400 ms gating block (empty when too short to gate)
    gating: np.ndarray  # the blocks' [start, end) frames
    block_power: np.ndarray  # K-weighted power summed over each CONTROL_BLOCK of the input


def _analyse(audio: np.ndarray, sample_rate: int) -> _Input:
    frames = audio.shape[0]
    meter = lm.LoudnessMeter(frames, audio.shape[1], sample_rate, peaks=False)
    block_power = np.zeros(-(-frames // CONTROL_BLOCK))
    for lo in range(0, frames, CHUNK):
        raise_if_cancelled()
        chunk = audio[lo : lo + CHUNK]
        if not np.isfinite(chunk).all():
            raise ValueError("audio contains NaN or infinity")
        power = meter.add(chunk)
        n = -(-power.shape[0] // CONTROL_BLOCK)
        padded = np.zeros(n * CONTROL_BLOCK, dtype=np.float64)
        padded[: power.shape[0]] = power
        b = lo // CONTROL_BLOCK
        block_power[b : b + n] = padded.reshape(n, CONTROL_BLOCK).sum(axis=1)
    measurable = lm.is_measurable(frames, sample_rate)
    energies = meter.gating_energies() if measurable else np.zeros(0)
    return _Input(meter.loudness()[0], energies, meter.gating, block_power)


def _estimate_lufs(inp: _Input, sample_rate: int, gain_db: float, runs: _Runs) -> float:
    """The output's integrated loudness at control rate: K(x * g) ~ K(x) * g for a gain that
    moves over milliseconds (good to ~0.01 LU); the exact figure comes from `_measure_output`."""
    scale = 10.0 ** (gain_db / 10.0)
    if not runs.spans:
        return lm.gated_loudness(inp.energies * scale)
    delta = np.zeros(inp.block_power.shape[0] + 1)
    first_block = runs.offset // CONTROL_BLOCK
    for lo, hi in runs.spans:
        b0, b1 = lo // CONTROL_BLOCK, -(-hi // CONTROL_BLOCK)
        a = runs.safe[first_block + b0 : first_block + b1].astype(np.float64)
        c = runs.safe[first_block + b0 + 1 : first_block + b1 + 1].astype(np.float64)
        mean_square = (a * a + a * c + c * c) / 3.0  # of a linear ramp from a to c
        delta[b0 + 1 : b1 + 1] = inp.block_power[b0:b1] * (mean_square - 1.0)
    csum = np.cumsum(delta)
    lo_b = -(-inp.gating[:, 0] // CONTROL_BLOCK)
    hi_b = -(-inp.gating[:, 1] // CONTROL_BLOCK)
    change = (csum[hi_b] - csum[lo_b]) / (lm.BLOCK_S * sample_rate)
    return lm.gated_loudness(np.maximum(inp.energies + change, 0.0) * scale)


# ---------------------------------------------------------------- master


def _prepare(audio: np.ndarray) -> np.ndarray:
    data = np.asarray(audio, dtype=np.float32)
    data = data[:, None] if data.ndim == 1 else data
    if data.ndim != 2:
        raise ValueError(f"audio must be shaped (frames, channels), got {data.shape}")
    return data


def _wrap_offset(frames: int, sample_rate: int, circular: bool) -> int:
    if not circular:
        return 0
    # A whole number of control blocks, so the source's blocks line up with the input's.
    offset = min(int(WRAP_CONTEXT_S * sample_rate), 8 * frames)
    return -(-offset // CONTROL_BLOCK) * CONTROL_BLOCK


def master(
    audio: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    ceiling_dbtp: float = -1.0,
    circular: bool = False,
) -> tuple[np.ndarray, LoudnessReport]:
    """Gain to `target_lufs`, true-peak limit to `ceiling_dbtp`, and report what came out."""
    data = _prepare(audio).copy()
    report = master_in_place(data, sample_rate, target_lufs, ceiling_dbtp, circular)
    return data.reshape(np.shape(audio)), report


def master_in_place(
    data: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    ceiling_dbtp: float = -1.0,
    circular: bool = False,
) -> LoudnessReport:
    """`master` on a float32 (frames, channels) buffer that becomes the output."""
    inp = _analyse(data, sample_rate)
    level = inp.level
    if not math.isfinite(level):
        # Silence (or below the -70 LUFS gate): any gain would be computed from -inf.
        return lm.measure_in_chunks(data, sample_rate, target_lufs)
    frames = data.shape[0]
    source = _Source(data, _wrap_offset(frames, sample_rate, circular))
    limiter = _Limiter(source, sample_rate, ceiling_dbtp - CEILING_MARGIN_DB, frames)
    measurable = inp.energies.size > 0

    def round_level(gain: float, runs: _Runs) -> float:
        if measurable:
            return _estimate_lufs(inp, sample_rate, gain, runs)
        return _measure_output(data, sample_rate, gain, runs, target_lufs).integrated_lufs

    gain_db = target_lufs - level
    for _ in range(2):
        # Rounds use the fast estimate; the output is then measured exactly, and a miss beyond
        # the aim (rare: heavy limiting) buys one more pass.
        for _ in range(MAX_ROUNDS):
            raise_if_cancelled()
            runs = limiter.runs(gain_db, sample_rate)
            level = round_level(gain_db, runs)
            if abs(level - target_lufs) <= AIM_LU:
                break
            gain_db += target_lufs - level
        measured = _measure_output(data, sample_rate, gain_db, runs, target_lufs)
        report = _trimmed(measured, ceiling_dbtp, gain_db, runs)
        if abs(report.integrated_lufs - target_lufs) <= 2 * AIM_LU:
            break
        gain_db = report.gain_db + target_lufs - report.integrated_lufs
    _write_output(data, report.gain_db, runs)
    return report


def _trimmed(
    measured: LoudnessReport, ceiling_dbtp: float, gain_db: float, runs: _Runs
) -> LoudnessReport:
    """The report after taking any true-peak excess off the whole signal (a scalar gain)."""
    # Interpolation makes the limited true peak differ from the control estimate by hundredths of
    # a dB; measure the output itself and take any excess off the whole signal.
    trim_db = 0.0
    if measured.true_peak_dbtp > ceiling_dbtp:
        trim_db = ceiling_dbtp - measured.true_peak_dbtp - 0.001
    return replace(
        measured,
        integrated_lufs=measured.integrated_lufs + trim_db,
        true_peak_dbtp=measured.true_peak_dbtp + trim_db,
        sample_peak_dbfs=measured.sample_peak_dbfs + trim_db,
        gain_db=gain_db + trim_db,
        limiter_reduction_db=runs.max_reduction_db,
    )


def limit_true_peak(
    audio: np.ndarray, sample_rate: int, ceiling_dbtp: float = -1.0, circular: bool = False
) -> np.ndarray:
    """Only the true-peak limiter (no loudness gain): for stems that follow the mix's gain."""
    data = _prepare(audio).copy()
    if not data.size:
        return data.reshape(np.shape(audio))
    source = _Source(data, _wrap_offset(data.shape[0], sample_rate, circular))
    limiter = _Limiter(source, sample_rate, ceiling_dbtp - CEILING_MARGIN_DB, data.shape[0])
    runs = limiter.runs(0.0, sample_rate)
    peak = _measure_output(data, sample_rate, 0.0, runs, float("nan")).true_peak_dbtp
    trim = ceiling_dbtp - peak - 0.001 if peak > ceiling_dbtp else 0.0
    _write_output(data, trim, runs)
    return data.reshape(np.shape(audio))
