"""The CLI end to end: files as written are measured for length, loudness, peaks, loops, tags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from soundloom.cli import main
from soundloom_server.engine.wav import read_wav_metadata

HARBOUR = (
    "abandoned harbour at night: rain on tin roofs, footsteps on wet planks, a door slams, "
    "distant thunder"
)


def independent_true_peak_db(audio: np.ndarray) -> float:
    """dBTP by 4x polyphase oversampling, computed here, not with the engine's meter."""
    upsampled = resample_poly(audio.astype(np.float64), 4, 1, axis=0)
    return 20.0 * np.log10(np.max(np.abs(upsampled)))


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("harbour") / "scene.ogg"
    assert main(["generate", HARBOUR, "--duration", "45", "-o", str(out), "-q"]) == 0
    return out


def test_harbour_ogg_as_written(harbour: Path) -> None:
    audio, rate = sf.read(harbour, dtype="float32", always_2d=True)
    assert rate == 48000 and audio.shape == (45 * 48000, 2)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    assert abs(loudness - -24.0) <= 0.5
    assert independent_true_peak_db(audio) <= -1.0
    sidecar = json.loads(harbour.with_name("scene.ogg.json").read_text())
    events = sidecar["plan"]["events"]
    assert len(events) >= 4
    named = [e for e in events if not e["implied"]]  # the planner adds the harbour's water
    firsts: dict[str, float] = {}
    for e in named:
        firsts[e["recipe"]] = min(firsts.get(e["recipe"], e["start_s"]), e["start_s"])
    assert sorted(firsts, key=firsts.__getitem__) == ["rain", "footsteps", "door", "thunder"]
    rain = next(e for e in events if e["recipe"] == "rain")
    assert rain["start_s"] == 0.0 and rain["duration_s"] == 45.0
    assert abs(sidecar["loudness"]["integrated_lufs"] - loudness) < 0.05
    assert sidecar["frames"] == 45 * 48000 and len(sidecar["cache_key"]) == 64
    assert len(sidecar["markers"]) == len(events)


def test_the_scene_is_not_silence_between_events(harbour: Path) -> None:
    audio, rate = sf.read(harbour, dtype="float32", always_2d=True)
    second = rate
    rms = np.sqrt(
        np.mean(audio[: (len(audio) // second) * second].reshape(-1, second, 2) ** 2, axis=(1, 2))
    )
    assert np.all(20 * np.log10(rms + 1e-12) > -60.0), "the rain bed spans the scene"


def test_wav_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    for out in (first, second):
        assert main(["generate", HARBOUR, "--duration", "12", "-o", str(out), "-q"]) == 0
    assert first.read_bytes() == second.read_bytes()
    meta = read_wav_metadata(first)
    sidecar = json.loads(first.with_name("a.wav.json").read_text())
    assert [m.frame for m in meta.markers] == [m["frame"] for m in sidecar["markers"]]
    assert len(meta.markers) == len(sidecar["plan"]["events"])


def test_loop_wraps_smoothly(tmp_path: Path) -> None:
    out = tmp_path / "loop.wav"
    assert (
        main(
            ["generate", "steady rain and wind", "--duration", "20", "--loop", "-o", str(out), "-q"]
        )
        == 0
    )
    audio, rate = sf.read(out, dtype="float64", always_2d=True)
    assert audio.shape[0] == 20 * rate
    window = rate // 10
    head, tail = np.sqrt(np.mean(audio[:window] ** 2)), np.sqrt(np.mean(audio[-window:] ** 2))
    assert min(head, tail) / max(head, tail) >= 0.9
    jumps = np.abs(np.diff(audio, axis=0)).max(axis=1)
    wrap = np.abs(audio[0] - audio[-1]).max()
    around = np.concatenate([jumps[-rate // 20 :], jumps[: rate // 20]])
    assert wrap <= np.percentile(around, 99.5)
    meta = read_wav_metadata(out)
    assert meta.loop is not None and (meta.loop.start, meta.loop.length) == (0, 20 * rate)


def test_plan_then_render_and_extras(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["plan", "wind, then a door creaks and an impact on metal", "--duration", "15"]) == 0
    )
    plan = json.loads(capsys.readouterr().out)
    plan["events"][0]["gain_db"] = -6.0
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    out = tmp_path / "edited.flac"
    png = tmp_path / "edited.png"
    args = [
        "render",
        str(plan_path),
        "-o",
        str(out),
        "--stems",
        "--segment",
        "5",
        "--spectrogram",
        str(png),
        "--loudness",
        "mobile",
        "-q",
    ]
    assert main(args) == 0
    audio, rate = sf.read(out, always_2d=True)
    assert audio.shape[0] == 15 * rate
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) - -18.0) <= 0.5
    sidecar = json.loads(out.with_name("edited.flac.json").read_text())
    assert sidecar["plan"]["events"][0]["gain_db"] == -6.0
    segments = sorted(tmp_path.glob("edited_0*.flac"))
    assert len(segments) >= 2
    joined = np.concatenate([sf.read(s, always_2d=True)[0] for s in segments])
    assert np.array_equal(joined, audio), "segments concatenate to the whole, sample-exact"
    for stem in ("ambience", "sfx"):
        assert sf.info(str(tmp_path / f"edited.{stem}.flac")).frames == 15 * rate
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "ScenePlan"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soundloom.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bad_plan(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.json"
    event = {
        "id": "a",
        "kind": "sfx",
        "caption": "door",
        "recipe": "door",
        "start_s": 1,
        "duration_s": 1,
    }
    plans = {
        "malformed": '{"duration_s": 10, "events": [',
        "duplicate": json.dumps({"duration_s": 10, "events": [event, event]}),
        "nan": json.dumps({"duration_s": 10, "events": [{**event, "start_s": float("nan")}]}),
    }
    path.write_text(plans[kind])
    return str(path)


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("empty", "description"),
        ("zero", "duration_s"),
        ("long", "duration_s"),
        ("preset", "loudness"),
        ("malformed", "plan"),
        ("duplicate", "events[1].id"),
        ("nan", "events[0].start_s"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path: Path, case: str, field: str) -> None:
    out = tmp_path / "out.ogg"
    scene = ["generate", "rain", "-o", str(out)]
    args = {
        "empty": ["generate", "  ", "-o", str(out)],
        "zero": [*scene, "--duration", "0"],
        "long": [*scene, "--duration", "601"],
        "preset": [*scene, "--loudness", "deafening"],
    }.get(case) or ["render", _bad_plan(tmp_path, case), "-o", str(out)]
    result = _cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".json") == []


def test_outputs_get_ordinary_file_permissions(harbour: Path) -> None:
    assert harbour.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def test_opus_lands_on_target_in_one_encode_and_keeps_its_loop(tmp_path: Path) -> None:
    out = tmp_path / "bed.opus"
    args = ["generate", "steady rain, wind", "--duration", "6", "--loop", "-o", str(out), "-q"]
    assert main(args) == 0
    info = sf.info(out)
    assert (info.format, info.subtype, info.samplerate) == ("OGG", "OPUS", 48000)
    audio, rate = sf.read(out, dtype="float32", always_2d=True)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    assert loudness == pytest.approx(-24.0, abs=0.1)  # the codec's drift corrected up front
    assert independent_true_peak_db(audio) <= -1.0 + 0.2
    sidecar = json.loads(out.with_name(out.name + ".json").read_text())
    assert sidecar["format"] == "opus" and sidecar["loop"]["length_frames"] == audio.shape[0]


def test_opus_at_a_rate_it_cannot_code_names_the_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.opus"
    assert main(["generate", "rain", "-o", str(out), "--sample-rate", "44100"]) == 2
    err = capsys.readouterr().err
    assert "options.sample_rate" in err and "16000, 24000, 48000" in err
    assert not out.exists()
