"""The CLI as a user meets it: progress where it helps, one-line errors, honest file names."""

from __future__ import annotations

import itertools
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from soundloom.cli import main

CLI = [sys.executable, "-m", "soundloom.cli"]
SCENE = "wind in the trees, footsteps on gravel, a door slams"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def hidden_or_partial(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


# ------------------------------------------------------------------ progress


def test_off_a_terminal_only_the_result_is_printed(tmp_path: Path) -> None:
    result = run_cli("generate", SCENE, "--duration", "4", "-o", "a.ogg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("a.ogg")
    assert result.stderr == ""


def test_json_progress_lines_in_pipeline_order_and_a_json_result(tmp_path: Path) -> None:
    result = run_cli("generate", SCENE, "--duration", "4", "-o", "a.ogg", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    progress = [line for line in lines if line["type"] == "progress"]
    stages = [p["stage"] for p in progress]
    order = ["plan", "render", "mix", "master", "package", "encode"]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == order
    renders = [p for p in progress if p["stage"] == "render"]
    assert renders[-1]["done"] == renders[-1]["total"] == 3
    assert all(a["elapsed_s"] <= b["elapsed_s"] for a, b in itertools.pairwise(progress))
    answer = json.loads(result.stdout)
    assert answer["path"] == "a.ogg" and answer["events"] == 3
    assert abs(answer["duration_s"] - 4.0) < 1e-6 and answer["loudness"]["integrated_lufs"] < -20


def test_a_terminal_gets_progress_bars_per_stage(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*CLI, "generate", SCENE, "--duration", "30", "-o", "a.wav"],
        cwd=tmp_path,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    os.close(leader)
    text = seen.decode(errors="replace")
    assert process.returncode == 0, text
    for stage in ("plan", "mix", "master", "encode"):
        assert stage in text
    assert "events" in text and "━" in text  # "render n/3 events" with a drawn bar
    assert "a.wav" in text


def test_quiet_prints_the_result_and_nothing_else(tmp_path: Path) -> None:
    result = run_cli("generate", "rain", "--duration", "2", "-o", "q.wav", "-q", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("q.wav")


def test_bank_json_reports_each_entry(tmp_path: Path) -> None:
    (tmp_path / "bank.toml").write_text(
        '[bank]\nname = "b"\noutput = "out"\n[[entries]]\nname = "rain"\ndescription = "rain"\n'
        'duration = 2\n[[entries]]\nname = "door"\ndescription = "a door slams"\n'
    )
    result = run_cli("bank", "build", "bank.toml", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    progress = [json.loads(line) for line in result.stderr.splitlines()]
    assert [p["done"] for p in progress if p["type"] == "progress"][-1] == 2
    assert json.loads(result.stdout)["entries"] == 2


# ------------------------------------------------------------------ outputs


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["-o", "/proc/a.ogg"], "/proc/a.ogg"),
        (["-o", "blocker/a.ogg"], "blocker"),
        (["-o", "ok.ogg", "--spectrogram", "blocker/s.png"], "blocker"),
        (["-o", "ok.ogg", "--plan-out", "blocker/p.json"], "blocker"),
        (["-o", "a.mp3"], ".mp3"),
    ],
)
def test_an_impossible_output_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, args: list[str], named: str
) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = run_cli("generate", "rain", "--duration", "2", *args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_output_into_a_directory_is_named_from_the_description(tmp_path: Path) -> None:
    (tmp_path / "sounds").mkdir()
    out = tmp_path / "sounds"
    assert main(["generate", "A heavy door SLAMS!", "--duration", "2", "-o", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "a-heavy-door-slams.ogg",
        "a-heavy-door-slams.ogg.json",
    ]


def test_side_files_land_in_new_folders_with_the_audio(tmp_path: Path) -> None:
    args = ["generate", "rain", "--duration", "2", "-o", str(tmp_path / "a.wav"), "-q"]
    args += [
        "--spectrogram",
        str(tmp_path / "pics" / "a.png"),
        "--plan-out",
        str(tmp_path / "p" / "a.json"),
    ]
    assert main(args) == 0
    assert (tmp_path / "pics" / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "p" / "a.json").read_text())["events"]
    assert hidden_or_partial(tmp_path) == []


def test_sigterm_while_encoding_leaves_no_temp_file(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*CLI, "generate", "rain and wind", "--duration", "240", "-o", "long.ogg", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until encoding has begun
        if json.loads(line).get("stage") == "encode":
            break
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_loop_sidecar_says_markers_are_file_times(tmp_path: Path) -> None:
    out = tmp_path / "loop.wav"
    args = ["generate", "steady rain, a door slams", "--duration", "12", "--loop", "-o", str(out)]
    assert main([*args, "-q"]) == 0
    sidecar = json.loads((tmp_path / "loop.wav.json").read_text())
    assert sidecar["markers_time_base"] == "file"
    assert 0.0 <= sidecar["loop"]["render_offset_s"] <= 2.0
    door = next(m for m in sidecar["markers"] if m["label"].startswith("door"))
    event = next(e for e in sidecar["plan"]["events"] if e["id"].startswith("door"))
    assert abs(door["time_s"] - event["start_s"]) < 1e-3
    audio, rate = sf.read(out)
    assert audio.shape[0] == 12 * rate


# ------------------------------------------------------------------ honest when it can't


def test_a_sound_no_recipe_fits_is_named_and_left_out(tmp_path: Path) -> None:
    plan = run_cli("plan", "a dog barks then a violin plays", cwd=tmp_path)
    assert plan.returncode == 0
    assert "violin" in plan.stderr and "left out" in plan.stderr
    planned = json.loads(plan.stdout)
    assert [e["recipe"] for e in planned["events"]] == ["dog_bark"]
    assert any("violin" in w for w in planned["unmatched"])
    made = run_cli("generate", "a dog barks then a violin plays", "-o", "d.ogg", cwd=tmp_path)
    assert made.returncode == 0 and "violin" in made.stderr


def test_strict_refuses_unmatched_sounds_naming_them(tmp_path: Path) -> None:
    for command in (["plan"], ["generate", "-o", "s.ogg"]):
        result = run_cli(
            *command[:1], "a dog barks then a violin plays", *command[1:], "--strict", cwd=tmp_path
        )
        assert result.returncode == 2
        assert "violin" in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "s.ogg").exists()


@pytest.mark.parametrize(
    "description",
    [
        "un chat miaule puis un violon joue",
        "猫が鳴いて、爆発する",
        "Regen prasselt, dann knallt eine Tür",
    ],
)
def test_a_description_in_another_language_renders_nothing(
    tmp_path: Path, description: str
) -> None:
    result = run_cli("generate", description, "-o", "x.ogg", cwd=tmp_path)
    assert result.returncode == 2
    assert "events" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_json_marks_weak_matches_and_unmatched_words(tmp_path: Path) -> None:
    result = run_cli(
        "generate", "a dog barks then a violin plays", "-o", "w.ogg", "--json", cwd=tmp_path
    )
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(
        line["type"] == "unmatched" and "violin" in " ".join(line["words"]) for line in lines
    )
    answer = json.loads(result.stdout)
    assert answer["unmatched"] and all(
        e["weak"] == (e["match_score"] < 0.5) for e in answer["plan_events"]
    )


def test_unknown_recipe_params_are_refused_naming_the_allowed_words(tmp_path: Path) -> None:
    event = {
        "id": "f",
        "kind": "sfx",
        "caption": "steps",
        "recipe": "footsteps",
        "start_s": 0,
        "duration_s": 1,
    }
    (tmp_path / "p.json").write_text(
        json.dumps({"duration_s": 2, "events": [{**event, "params": {"material": "chocolate"}}]})
    )
    result = run_cli("render", "p.json", "-o", "f.ogg", cwd=tmp_path)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "events[0].params.material" in line and "wood" in line and "chocolate" in line
