"""Long scenes in bounded memory: spliced bed segments, streaming measurement, in-place master."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import signal

from soundloom_server.engine import loudness as lm
from soundloom_server.engine.master import master
from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan
from soundloom_server.engine.registry import get_renderer
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.procedural import segments

SR = 48000


def _bed(recipe: str, seconds: float) -> np.ndarray:
    event = Event(f"{recipe}-1", EventKind.AMBIENCE, recipe, recipe, 0.0, seconds)
    ctx = RenderContext(sample_rate=SR, seed=3)
    return get_renderer("procedural").render(event, ctx).samples


def _joins(seconds: float) -> list[float]:
    """Where the splices of a bed this long fall (s)."""
    return list(np.arange(segments.SEGMENT_S, seconds, segments.SEGMENT_S))


def test_a_long_scene_renders_in_bounded_memory() -> None:
    # Before: every clip was held whole until the mix, and an ocean bed alone took ~20 MB per
    # second (2 GB for these 100 s); now the peak is the mix buffer plus one segment's work.
    beds = ("rain", "ocean_waves", "crowd_murmur")
    thunder = Event("thunder-1", EventKind.SFX, "thunder", "thunder", 40.0, 6.0)
    events = (*(Event(f"{b}-1", EventKind.AMBIENCE, b, b, 0.0, 100.0) for b in beds), thunder)
    tracemalloc.start()
    try:
        scene = render_scene(ScenePlan(duration_s=100.0, events=events), RenderOptions(seed=1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert scene.frames == 100 * SR
    assert peak < scene.audio.nbytes + 250 * 2**20, f"peak {peak / 2**20:.0f} MB"
    assert scene.report.integrated_lufs == pytest.approx(-24.0, abs=0.2)


def test_segment_joins_keep_the_level_and_the_pulse() -> None:
    seconds = 65.0  # over WHOLE_BED_S: joins at 20, 40 and 60 s
    assert segments.needs_segments(int(seconds * SR), SR)
    clock = _bed("clock", seconds)
    assert clock.shape == (int(seconds * SR), 2)
    envelope = np.abs(signal.hilbert(clock.mean(axis=1)[::4]))
    onsets, _ = signal.find_peaks(envelope, height=0.3 * envelope.max(), distance=SR // 4 // 5)
    gaps = np.diff(onsets) * 4 / SR
    period = float(np.median(gaps))
    for join in _joins(seconds):
        near = gaps[np.abs(onsets[1:] * 4 / SR - join) < 2.0]
        # No doubled tick and no skipped beat where two segments meet.
        assert np.all(np.abs(near - period) < 0.25 * period), (join, near, period)
    rain = _bed("rain", seconds)
    level = 10 * np.log10(np.mean(np.square(rain[: 65 * SR].reshape(65, SR, 2)), axis=(1, 2)))
    steps = np.abs(np.diff(level))
    for join in _joins(seconds):
        # A join moves the level no more than the rain's own second-to-second changes do.
        assert steps[int(join) - 1 : int(join) + 1].max() <= np.percentile(steps, 95)


def test_beds_up_to_the_whole_length_render_in_one_piece() -> None:
    event = Event("wind-1", EventKind.AMBIENCE, "wind", "wind", 0.0, 10.0)
    ctx = RenderContext(sample_rate=SR, seed=3)
    pieces = list(get_renderer("procedural").render_pieces(event, ctx))
    assert [p.offset for p in pieces] == [0] and pieces[0].samples.shape[0] == 10 * SR
    long = Event("wind-1", EventKind.AMBIENCE, "wind", "wind", 0.0, 50.0)
    pieces = list(get_renderer("procedural").render_pieces(long, ctx))
    offsets = [p.offset for p in pieces]
    assert offsets == sorted(offsets) and offsets[0] == 0
    ends = [p.offset + p.samples.shape[0] for p in pieces]
    assert offsets[1:] == ends[:-1] and ends[-1] == 50 * SR  # contiguous, exactly the length


def test_streaming_meter_reads_what_the_whole_signal_measure_reads() -> None:
    rng = np.random.default_rng(5)
    for frames in (SR * 7 + 13, int(0.3 * SR), 3 * lm.METER_CHUNK + 5):
        x = (rng.standard_normal((frames, 2)) * 0.05).astype(np.float32)
        # Inter-sample peaks across a chunk boundary: the hard case for a chunked true peak.
        t = np.arange(64) / SR
        burst = np.sin(2 * np.pi * 11025 * t + np.pi / 4).astype(np.float32) * 0.9
        at = min(lm.METER_CHUNK - 30, frames - 64)
        x[at : at + 64, 0] += burst
        whole, chunked = lm.measure(x, SR), lm.measure_in_chunks(x, SR)
        assert chunked.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=1e-6)
        assert chunked.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=1e-6)
        assert chunked.sample_peak_dbfs == pytest.approx(whole.sample_peak_dbfs, abs=1e-9)
        assert chunked.loudness_range_lu == pytest.approx(whole.loudness_range_lu, abs=1e-6)
        assert whole.true_peak_dbtp > whole.sample_peak_dbfs + 0.3  # the burst did overshoot


def test_master_over_many_chunks_hits_target_and_ceiling() -> None:
    rng = np.random.default_rng(6)
    frames = 5 * lm.METER_CHUNK + 77
    audio = (rng.standard_normal((frames, 2)) * 0.05).astype(np.float32)
    for start in rng.integers(0, frames - 64, 12):
        audio[start : start + 24] += np.float32(rng.uniform(-1.0, 1.0))
    out, report = master(audio, SR, -14.0, -1.0)
    assert lm.integrated_lufs(out, SR) == pytest.approx(-14.0, abs=0.2)
    assert lm.true_peak_db(out, SR) <= -1.0 + 1e-6
    assert report.integrated_lufs == pytest.approx(lm.integrated_lufs(out, SR), abs=0.01)
    assert report.true_peak_dbtp == pytest.approx(lm.true_peak_db(out, SR), abs=0.01)
    assert report.limiter_reduction_db > 0.0


def test_an_ogg_is_encoded_once_at_its_target(tmp_path, monkeypatch) -> None:
    from soundloom_server.engine import package
    from soundloom_server.engine.encode import encode, measure_file

    beds = ("rain", "stream")
    events = tuple(Event(f"{b}-1", EventKind.AMBIENCE, b, b, 0.0, 40.0) for b in beds)
    options = RenderOptions(seed=2, format="ogg")
    scene = render_scene(ScenePlan(duration_s=40.0, events=events), options)
    # The excerpts predict what Vorbis does to the whole file's loudness.
    predicted = package.codec_drift_db(tmp_path / "probe.ogg", scene.audio, SR, options)
    encode(tmp_path / "whole.ogg", scene.audio, SR, "ogg")
    actual = measure_file(tmp_path / "whole.ogg").integrated_lufs - scene.report.integrated_lufs
    assert actual < -0.05 and predicted == pytest.approx(actual, abs=0.05)
    mains = []

    def counting(path, *args, **kwargs):
        if not str(path).endswith(".drift"):
            mains.append(path)
        return encode(path, *args, **kwargs)

    monkeypatch.setattr(package, "encode", counting)
    asset = package.package_scene(scene, options, tmp_path / "scene.ogg", "key")
    assert len(mains) == 1  # no second pass to put the codec's drift back
    assert asset.report.integrated_lufs == pytest.approx(-24.0, abs=0.1)
    assert measure_file(asset.path).integrated_lufs == pytest.approx(-24.0, abs=0.1)
