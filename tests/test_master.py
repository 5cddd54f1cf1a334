"""Loudness measurement and mastering: BS.1770 references, true peak, LRA, limiter behaviour."""

from __future__ import annotations

import json
import math

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from soundloom_server.engine import loudness as lm
from soundloom_server.engine.master import apply_gain_db, master

SR = 48000


def _sine(
    freq: float, seconds: float, amp: float = 1.0, phase: float = 0.0, sr: int = SR
) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def _pink(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((frames, 2))
    # Paul Kellet's economy pink filter (-3 dB/octave to within 0.5 dB).
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1, -2.494956002, 2.017265875, -0.522189400]
    return (signal.lfilter(b, a, white, axis=0) * 0.5).astype(np.float32)


def _transient_material(seconds: float, seed: int) -> np.ndarray:
    """A noise bed with loud clicks: the hard case for a true-peak limiter."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * SR)
    audio = (rng.standard_normal((frames, 2)) * 0.05).astype(np.float32)
    for start in rng.integers(0, frames - 64, int(seconds * 2)):
        audio[start : start + 24] += np.float32(rng.uniform(-1.0, 1.0))
    return audio


# ---------------------------------------------------------------- BS.1770


def test_full_scale_1khz_sine_reference_levels() -> None:
    mono = _sine(1000.0, 5.0)
    assert lm.integrated_lufs(mono[:, None], SR) == pytest.approx(-3.01, abs=0.05)
    # EBU Tech 3341 case 1: a -23 dBFS 1 kHz sine in both channels reads -23 LUFS.
    stereo = np.stack([mono, mono], axis=1) * np.float32(10 ** (-23 / 20))
    assert lm.integrated_lufs(stereo, SR) == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize("target", [-24.0, -16.0])
def test_noise_normalised_to_target_matches_pyloudnorm(target: float) -> None:
    for noise in (
        _pink(SR * 8, 1),
        np.random.default_rng(2).standard_normal((SR * 8, 2)).astype(np.float32) * 0.1,
    ):
        ours = lm.integrated_lufs(noise, SR)
        assert ours == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(noise), abs=0.01)
        scaled = apply_gain_db(noise, target - ours)
        assert pyloudnorm.Meter(SR).integrated_loudness(scaled) == pytest.approx(target, abs=0.1)


def test_integrated_refuses_short_input_and_reads_silence_as_minus_inf() -> None:
    with pytest.raises(ValueError, match="400 ms"):
        lm.integrated_lufs(np.zeros((int(0.3 * SR), 2), np.float32), SR)
    assert not lm.is_measurable(int(0.3 * SR), SR)
    assert lm.integrated_lufs(np.zeros((SR, 2), np.float32), SR) == float("-inf")
    assert lm.short_clip_loudness(np.zeros((100, 2), np.float32), SR) == float("-inf")


def test_short_clip_loudness_agrees_with_integrated_on_steady_tone() -> None:
    tone = np.stack([_sine(1000.0, 2.0, 0.5)] * 2, axis=1)
    assert lm.short_clip_loudness(tone[: int(0.2 * SR)], SR) == pytest.approx(
        lm.integrated_lufs(tone, SR), abs=0.1
    )


# ---------------------------------------------------------------- true peak


def test_true_peak_catches_inter_sample_peak() -> None:
    # fs/4 with a 45 degree offset: every sample is +-0.707, the waveform peaks at 1.0 between them.
    tone = _sine(SR / 4, 1.0, 1.0, math.pi / 4)
    audio = np.stack([tone, tone], axis=1)
    assert lm.sample_peak_db(audio) == pytest.approx(-3.01, abs=0.01)
    assert lm.true_peak_db(audio, SR) == pytest.approx(0.0, abs=0.3)


def test_true_peak_is_at_least_sample_peak_and_matches_resampling() -> None:
    rng = np.random.default_rng(3)
    for seed in range(3):
        audio = _transient_material(2.0, seed) * np.float32(rng.uniform(0.2, 1.0))
        tp = lm.true_peak_db(audio, SR)
        assert tp >= lm.sample_peak_db(audio)
        reference = 20 * np.log10(np.abs(signal.resample_poly(audio, 4, 1, axis=0)).max())
        assert tp == pytest.approx(reference, abs=0.3)
    assert lm.true_peak_db(np.zeros((SR, 2), np.float32), SR) == float("-inf")


# ---------------------------------------------------------------- LRA


def test_loudness_range_of_stationary_noise_is_near_zero() -> None:
    noise = np.random.default_rng(4).standard_normal((SR * 20, 2)).astype(np.float32) * 0.1
    assert lm.loudness_range_lu(noise, SR) < 1.0


def test_loudness_range_of_alternating_sections_is_their_difference() -> None:
    noise = np.random.default_rng(5).standard_normal((SR * 60, 2)).astype(np.float32)
    level = lm.integrated_lufs(noise, SR)
    section = SR * 10
    out = noise.copy()
    for i in range(6):
        target = -30.0 if i % 2 == 0 else -20.0
        out[i * section : (i + 1) * section] *= np.float32(10 ** ((target - level) / 20))
    assert lm.loudness_range_lu(out, SR) == pytest.approx(10.0, abs=1.0)
    assert lm.loudness_range_lu(noise[: SR * 2], SR) == 0.0


# ---------------------------------------------------------------- master


@pytest.mark.parametrize("target", [-24.0, -18.0, -23.0, -16.0])
def test_master_hits_target_and_ceiling_on_transient_material(target: float) -> None:
    audio = _transient_material(20.0, 7)
    out, report = master(audio, SR, target, ceiling_dbtp=-1.0)
    assert out.dtype == np.float32 and out.shape == audio.shape
    measured = lm.integrated_lufs(out, SR)
    assert measured == pytest.approx(target, abs=0.2)
    assert lm.true_peak_db(out, SR) <= -1.0 + 1e-6
    assert report.integrated_lufs == pytest.approx(measured, abs=0.02)
    assert report.true_peak_dbtp == pytest.approx(lm.true_peak_db(out, SR), abs=0.01)
    assert report.method == "bs1770" and report.limiter_reduction_db >= 0.0


def test_master_hits_a_low_ceiling() -> None:
    out, report = master(_transient_material(10.0, 8), SR, -16.0, ceiling_dbtp=-6.0)
    assert lm.true_peak_db(out, SR) <= -6.0 + 1e-6
    assert lm.integrated_lufs(out, SR) == pytest.approx(-16.0, abs=0.2)
    assert report.limiter_reduction_db > 3.0


def test_limiter_gain_is_smooth() -> None:
    # A steady tone with a loud burst: the implied gain y / (G x) must move without steps.
    tone = _sine(440.0, 4.0, 0.1)
    tone[2 * SR : 2 * SR + 2400] *= 10.0
    audio = np.stack([tone, tone], axis=1)
    out, report = master(audio, SR, -16.0)
    assert report.limiter_reduction_db > 3.0
    valid = np.flatnonzero(np.abs(audio[:, 0]) > 0.05)
    gain = out[valid, 0] / (audio[valid, 0] * 10 ** (report.gain_db / 20))
    assert gain.max() <= 1.0 + 1e-4
    # Per-frame slope: a 5 ms attack of a few dB moves the gain by well under 1 % per frame.
    assert (np.abs(np.diff(gain)) / np.diff(valid)).max() < 0.005
    jumps_in = np.abs(np.diff(audio, axis=0)).max() * 10 ** (report.gain_db / 20)
    assert np.abs(np.diff(out, axis=0)).max() <= 1.05 * jumps_in


def test_circular_master_has_continuous_gain_across_the_wrap() -> None:
    rng = np.random.default_rng(9)
    loop = (rng.standard_normal((SR * 2, 2)) * 0.05).astype(np.float32)
    loop[10:30] += np.float32(0.95)  # a peak right after the loop point

    def wrap_gains(out: np.ndarray, gain_db: float) -> tuple[float, float]:
        implied = out / (loop * 10 ** (gain_db / 20))
        return float(np.median(implied[-40:-20])), float(np.median(implied[:8]))

    out, report = master(loop, SR, -16.0, circular=True)
    end, start = wrap_gains(out, report.gain_db)
    assert end < 0.95  # the look-ahead saw the peak through the wrap
    assert abs(end - start) < 0.03
    assert lm.true_peak_db(out, SR) <= -1.0 + 1e-6
    linear, linear_report = master(loop, SR, -16.0, circular=False)
    end, _ = wrap_gains(linear, linear_report.gain_db)
    assert end == pytest.approx(1.0, abs=1e-3)


def test_short_clip_fallback() -> None:
    clip = _transient_material(0.2, 10)
    out, report = master(clip, SR, -18.0)
    assert report.method == "short-clip"
    assert lm.short_clip_loudness(out, SR) == pytest.approx(-18.0, abs=0.2)
    assert lm.true_peak_db(out, SR) <= -1.0 + 1e-6


def test_silence_stays_silence() -> None:
    for frames in (SR * 2, int(0.1 * SR)):
        out, report = master(np.zeros((frames, 2), np.float32), SR, -16.0)
        assert not out.any() and not np.isnan(out).any()
        assert report.integrated_lufs == float("-inf") and report.gain_db == 0.0
        data = report.to_dict()
        assert data["integrated_lufs"] is None and data["true_peak_dbtp"] is None
        json.dumps(data, allow_nan=False)


def test_measure_report_is_json_safe() -> None:
    report = lm.measure(_transient_material(4.0, 11), SR)
    data = report.to_dict()
    assert data["target_lufs"] is None and data["method"] == "bs1770"
    assert json.loads(json.dumps(data, allow_nan=False))["integrated_lufs"] == pytest.approx(
        report.integrated_lufs
    )


def test_master_is_deterministic_and_leaves_input_alone() -> None:
    audio = _transient_material(5.0, 12)
    copy = audio.copy()
    first, _ = master(audio, SR, -18.0)
    second, _ = master(audio, SR, -18.0)
    assert np.array_equal(first, second) and np.array_equal(audio, copy)


def test_master_refuses_nan() -> None:
    audio = np.zeros((SR, 2), np.float32)
    audio[5, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        master(audio, SR, -16.0)
