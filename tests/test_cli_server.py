"""`soundloom generate/plan/render --server`: the CLI is a client, and a server's files are the
files the embedded engine writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "soundloom.cli"]
SCENE = "rain on a tin roof, a door slams"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _sidecar(path: Path) -> dict[str, Any]:
    meta = json.loads(path.with_name(path.name + ".json").read_text())
    return {**meta, "files": [{k: v for k, v in f.items() if k != "name"} for f in meta["files"]]}


def test_generate_on_a_server_writes_the_embedded_engines_bytes(
    server: Any, tmp_path: Path
) -> None:
    args = ("generate", SCENE, "--duration", "3", "--seed", "4")
    here = run_cli(*args, "-o", "here.wav", cwd=tmp_path)
    there = run_cli(*args, "-o", "there.wav", "--server", server.grpc_target, cwd=tmp_path)
    assert here.returncode == 0 and there.returncode == 0, here.stderr + there.stderr
    assert (tmp_path / "here.wav").read_bytes() == (tmp_path / "there.wav").read_bytes()
    assert _sidecar(tmp_path / "here.wav") == _sidecar(tmp_path / "there.wav")
    assert there.stdout.startswith("there.wav") and "3.000 s" in there.stdout


def test_a_second_generate_is_a_cache_hit(tmp_path: Path) -> None:
    args = ("generate", SCENE, "--duration", "2", "-o", "a.wav", "--json")
    first = run_cli(*args, cwd=tmp_path)
    again = run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert json.loads(first.stdout)["cache_hit"] is False
    assert json.loads(again.stdout)["cache_hit"] is True
    assert '"type": "progress"' not in again.stderr  # nothing was rendered


def test_plan_and_render_on_a_server(server: Any, tmp_path: Path) -> None:
    planned = run_cli("plan", SCENE, "--server", server.grpc_target, cwd=tmp_path)
    local = run_cli("plan", SCENE, cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout == local.stdout
    (tmp_path / "plan.json").write_text(planned.stdout)
    rendered = run_cli(
        "render", "plan.json", "-o", "p.ogg", "--server", server.grpc_target, cwd=tmp_path
    )
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "p.ogg").stat().st_size > 1000


def test_local_model_folders_are_refused_with_a_server(server: Any, tmp_path: Path) -> None:
    result = run_cli(
        "generate",
        SCENE,
        "-o",
        "x.wav",
        "--server",
        server.grpc_target,
        "--model",
        "m",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--model" in result.stderr and not (tmp_path / "x.wav").exists()


def test_an_unreachable_server_is_one_line_and_no_file(tmp_path: Path) -> None:
    result = run_cli(
        "generate",
        SCENE,
        "--duration",
        "2",
        "-o",
        "x.wav",
        "--server",
        "127.0.0.1:1",
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "soundloom: error" in result.stderr
    assert not (tmp_path / "x.wav").exists()
