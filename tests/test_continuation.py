"""`soundloom continue`: the issue's measured criteria on procedural inputs, the seam in the
files, the plan as an ordinary plan, determinism and bad input — all through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom.cli import main
from soundloom_server.engine.continuation.measures import measure_continuation
from soundloom_server.engine.plan import Event, EventKind
from soundloom_server.engine.registry import get_renderer
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.wav import read_wav_metadata

SR = 48000
CLIP_S = 10.0
NEW_S = 10.0
# Procedural recordings: steady and gusty noise, dense drops, crackle, a beat, voices.
INPUTS = ("rain", "wind", "fire", "clock", "crowd_murmur")
MIN_ONSETS_FOR_RATE = 10  # fewer in the clip and a rate ratio is counting noise


def recording(recipe: str, seconds: float = CLIP_S, seed: int = 3) -> np.ndarray:
    """A stand-in for a field recording: the recipe rendered as a bed, at half scale."""
    event = Event(
        id="rec",
        kind=EventKind.AMBIENCE,
        caption=recipe,
        recipe=recipe,
        start_s=0.0,
        duration_s=seconds,
    )
    audio = get_renderer("procedural").render(event, RenderContext(SR, seed)).samples
    return (audio * 0.5).astype(np.float32)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    paths = {}
    for recipe in INPUTS:
        path = folder / f"{recipe}.wav"
        sf.write(path, recording(recipe), SR, subtype="PCM_24")
        paths[recipe] = path
    return paths


def run_continue(clip: Path, out: Path, *extra: str) -> int:
    return main(["continue", str(clip), "--duration", str(NEW_S), "-o", str(out), "-q", *extra])


def seam_of(sidecar: dict) -> float:
    return next(m["time_s"] for m in sidecar["markers"] if m["label"].startswith("seam"))


@pytest.mark.parametrize("recipe", INPUTS)
def test_continuation_meets_the_measured_criteria(
    recipe: str, clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / f"{recipe}_more.wav"
    # 24-bit: at 16 bits the dither floor lifts a quiet clip's top bands (clock: 0.2 -> 0.5 dB).
    assert run_continue(clips[recipe], out, "--bit-depth", "24") == 0
    clip, _ = sf.read(clips[recipe], dtype="float32", always_2d=True)
    result, rate = sf.read(out, dtype="float32", always_2d=True)
    sidecar = json.loads(out.with_name(out.name + ".json").read_text())
    seam = seam_of(sidecar)
    assert rate == SR and result.shape[1] == clip.shape[1]
    assert result.shape[0] == round((seam + NEW_S) * SR)
    report = measure_continuation(clip, result, SR, seam)
    figures = " ".join(f"{k}={v:.3f}" for k, v in report.to_dict().items())
    assert report.texture_distance_db <= 1.5 * report.halves_distance_db, figures
    if report.onset_rate_clip_hz * CLIP_S >= MIN_ONSETS_FOR_RATE:
        assert 0.7 <= report.onset_ratio <= 1.3, figures
    else:  # a steady bed stays steady
        assert report.onset_rate_new_hz * NEW_S <= MIN_ONSETS_FOR_RATE / 2, figures
    assert report.max_probe_correlation < 0.5, figures
    assert report.seam_flux_db <= report.clip_flux_p99_db, figures
    assert abs(report.level_step_db) <= 1.0, figures
    assert abs(report.output_lufs - report.clip_lufs) <= 1.0, figures
    assert abs(report.new_part_lufs - report.clip_recent_lufs) <= 1.0, figures
    # Up to the crossfade the clip is the clip, under the one mastering gain (to its own
    # loudness, so within a dB of none).
    gain_db = sidecar["loudness"]["gain_db"]
    head = round((seam - 0.2) * SR)
    assert abs(gain_db) <= 1.0
    assert np.max(np.abs(result[:head] - clip[:head] * 10 ** (gain_db / 20))) < 2e-3


def test_a_beat_keeps_its_texture_over_a_long_continuation(tmp_path: Path) -> None:
    # A clock's ticks carry more than their share of its power: at a ±3 dB events' range the
    # level gave way to loudness and the minute after a 30 s clip sat 0.31 dB under it (0.32 dB
    # texture against its halves' 0.12).
    clip_path, out = tmp_path / "clock.wav", tmp_path / "clock_more.wav"
    clip = recording("clock", 30.0, seed=4)
    sf.write(clip_path, clip, SR, subtype="PCM_24")
    args = ["continue", str(clip_path), "--duration", "60", "-o", str(out), "-q"]
    assert main([*args, "--bit-depth", "24", "--seed", "4"]) == 0
    result, _ = sf.read(out, dtype="float32", always_2d=True)
    seam = seam_of(json.loads(out.with_name(out.name + ".json").read_text()))
    report = measure_continuation(clip, result, SR, seam)
    figures = " ".join(f"{k}={v:.3f}" for k, v in report.to_dict().items())
    assert report.texture_distance_db <= 1.5 * report.halves_distance_db, figures
    assert 0.7 <= report.onset_ratio <= 1.3, figures
    assert abs(report.new_part_lufs - report.clip_recent_lufs) <= 1.0, figures


def test_same_seed_same_bytes_and_the_seam_is_a_wav_cue(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    a, b, c = tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "c.wav"
    for out, seed in ((a, "1"), (b, "1"), (c, "2")):
        assert run_continue(clips["rain"], out, "--seed", seed) == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    sidecar = json.loads(a.with_name("a.wav.json").read_text())
    seam_frame = round(seam_of(sidecar) * SR)
    cues = read_wav_metadata(a).markers
    assert any(m.frame == seam_frame and m.label.startswith("seam") for m in cues)


def test_the_plan_is_an_ordinary_plan_that_renders_the_same(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out, plan_path, again = tmp_path / "out.wav", tmp_path / "plan.json", tmp_path / "again.wav"
    assert run_continue(clips["clock"], out, "--plan-out", str(plan_path)) == 0
    plan = json.loads(plan_path.read_text())
    clip_event, continuation = plan["events"][0], plan["events"][1]
    assert clip_event["recipe"] == "clip" and clip_event["renderer"] == "clip"
    assert continuation["recipe"] == "continuation"
    # The recipes it resembles, by features measured on their own renders (another seed).
    assert "sounds like clock" in continuation["caption"]
    assert continuation["params"]["sha256"] == clip_event["params"]["sha256"]
    sidecar = json.loads(out.with_name("out.wav.json").read_text())
    options = sidecar["options"]
    assert (
        main(
            [
                "render",
                str(plan_path),
                "-o",
                str(again),
                "-q",
                "--loudness",
                options["loudness"],
                "--channels",
                str(options["channels"]),
            ]
        )
        == 0
    )
    first, _ = sf.read(out, dtype="float32")
    second, _ = sf.read(again, dtype="float32")
    assert np.array_equal(first, second)


def test_only_new_starts_at_the_seam_at_the_clips_level(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "new.wav"
    assert run_continue(clips["rain"], out, "--only-new") == 0
    audio, _ = sf.read(out, dtype="float32", always_2d=True)
    assert audio.shape[0] == round(NEW_S * SR)
    sidecar = json.loads(out.with_name("new.wav.json").read_text())
    assert seam_of(sidecar) == 0.0
    assert [e["id"] for e in sidecar["plan"]["events"]] == ["continuation"]
    clip, _ = sf.read(clips["rain"], dtype="float32", always_2d=True)
    seam = sidecar["plan"]["events"][0]["params"]["seam_s"]
    before = clip[round((seam - 1.0) * SR) : round(seam * SR)]
    step = 10 * np.log10(np.mean(audio[:SR] ** 2) / np.mean(before**2))
    assert abs(step) <= 1.0


def test_description_plans_new_sounds_after_the_seam(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out, plan_path = tmp_path / "next.wav", tmp_path / "next.json"
    code = run_continue(
        clips["rain"], out, "--description", "a door slams", "--plan-out", str(plan_path)
    )
    assert code == 0
    plan = json.loads(plan_path.read_text())
    seam = plan["events"][1]["params"]["seam_s"]
    added = [e for e in plan["events"] if e["id"].startswith("next-")]
    assert added and all(e["start_s"] >= seam for e in added)
    assert any(e["recipe"] == "door" for e in added)


def test_loop_gives_a_loop_with_the_seam_marked(clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "loop.wav"
    assert run_continue(clips["wind"], out, "--loop") == 0
    meta = read_wav_metadata(out)
    audio, _ = sf.read(out, dtype="float32", always_2d=True)
    assert meta.loop is not None and meta.loop.length == audio.shape[0]
    assert any(m.label.startswith("seam") for m in meta.markers)


def test_bench_smoke_prints_a_row() -> None:
    from bench_smoke import bench_smoke

    out = bench_smoke("continue.py")
    assert any(line.split()[:1] == ["rain"] for line in out.splitlines()), out


def _write_bad(kind: str, path: Path) -> None:
    if kind == "not audio":
        path.write_text("this is not a sound\n" * 50)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "short":
        sf.write(path, np.zeros((int(0.3 * SR), 1), np.float32) + 0.1, SR)
    elif kind == "long":
        sf.write(path, np.full((601 * 8000, 1), 0.1, np.float32), 8000, subtype="PCM_16")
    elif kind == "nan":
        data = np.full((SR, 1), 0.1, np.float32)
        data[100] = np.nan
        sf.write(path, data, SR, subtype="FLOAT")
    elif kind == "aiff":
        sf.write(path, np.full((SR, 1), 0.1, np.float32), SR, format="AIFF")


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("not audio", "is not audio"),
        ("empty", "is empty"),
        ("short", "shorter than 0.5 s"),
        ("long", "longer than 600 s"),
        ("nan", "NaN"),
        ("aiff", "unsupported format"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    kind: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / f"bad.{'aiff' if kind == 'aiff' else 'wav'}"
    _write_bad(kind, clip)
    out, plan_path = tmp_path / "out.wav", tmp_path / "plan.json"
    assert run_continue(clip, out, "--plan-out", str(plan_path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "clip" in err[0] and says in err[0], err
    assert not out.exists() and not plan_path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [clip.name]


def test_a_missing_clip_and_a_too_long_continuation_are_refused(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_continue(tmp_path / "nope.wav", tmp_path / "o.wav") == 2
    assert "does not exist" in capsys.readouterr().err
    code = main(
        ["continue", str(clips["rain"]), "--duration", "595", "-o", str(tmp_path / "o.wav")]
    )
    assert code == 2
    assert "duration_s must be in [0.5," in capsys.readouterr().err
    assert not (tmp_path / "o.wav").exists()


def test_the_continued_level_course_swings_no_further_than_the_clip() -> None:
    from soundloom_server.engine.continuation.texture import continue_modulation

    # A fire's slow level: mostly steady with rare flares (a skewed course), 3 bands together.
    rng = np.random.default_rng(5)
    flares = np.convolve(rng.exponential(1.0, 1200) ** 3, np.hanning(60), mode="same")
    source = np.stack([flares, 0.8 * flares, 0.5 * flares], axis=1)
    source = 11.0 * (source - source.mean(axis=0)) / np.abs(source - source.mean(axis=0)).max()
    course = continue_modulation(source, 4800, np.random.default_rng(1))
    centred = source - source.mean(axis=0)
    # Random phases alone make the course Gaussian, with peaks far past the clip's (+19 dB seen
    # on a fire whose course never rose over +11 dB).
    assert (course.max(axis=0) <= centred.max(axis=0) + 1e-9).all()
    assert (course.min(axis=0) >= centred.min(axis=0) - 1e-9).all()

    # ...and it still moves as slowly as the clip's, bands together.
    def lag_corr(x: np.ndarray, lag: int) -> float:
        return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])

    assert abs(lag_corr(course[:, 0], 20) - lag_corr(source[:, 0], 20)) < 0.15
    assert np.corrcoef(course[:, 0], course[:, 2])[0, 1] > 0.8


def test_the_events_rate_fit_starts_where_a_dead_time_picker_counts_the_clips_rate() -> None:
    import math

    from soundloom_server.engine.continuation import features as ft
    from soundloom_server.engine.continuation.synthesis import MAX_RATE_SCALE, dead_time_scale

    g = ft.ONSET_MIN_GAP_S
    for wanted in (0.5, 2.4, 6.7):  # a crowd's voices, a fire's crackle: below the curve's top
        rate = dead_time_scale(wanted) * wanted
        assert rate * math.exp(-rate * g) == pytest.approx(wanted, rel=0.02)
        assert rate < 1.0 / g  # the smaller root: the rise of the curve
    # Dense rain is past the top (no rate counts 8.6/s): the most-counting rate, 1/g.
    assert dead_time_scale(8.6) == pytest.approx(1.0 / (g * 8.6))
    assert dead_time_scale(0.0) == 1.0 and dead_time_scale(1.0) <= MAX_RATE_SCALE
