"""The README's commands, run as written: every `bash` and `python` block of it works.

Blocks run in order in one folder (a `plan.json` written by one line is rendered by the next).
The install-and-run line runs its `soundloom` part (the install is what this suite runs in);
the test command must be the one `.ci/run` runs; `soundloom serve` runs with free ports, and the
curl and SDK examples are pointed at them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```", re.S | re.M)
BLOCKS = [(lang, body) for lang, body in BLOCK.findall(README)]
BIN = Path(sys.executable).parent


def bash_commands() -> list[str]:
    """Each command of the bash blocks, with continuation lines joined."""
    commands = []
    for lang, body in BLOCKS:
        if lang == "bash":
            joined = body.replace("\\\n", " ")
            commands += [
                ln.strip()
                for ln in joined.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")
            ]
    return commands


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }


def _run(command: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("readme")


@pytest.fixture(scope="module")
def served(folder: Path) -> Iterator[dict[str, str]]:
    line = next(c for c in bash_commands() if c.startswith("soundloom serve"))
    args = shlex.split(line, comments=True)
    for flag in ("--grpc-port", "--http-port"):
        args[args.index(flag) + 1] = "0"
    process = subprocess.Popen(
        args, cwd=folder, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    words = process.stdout.readline().split()  # soundloom serve: grpc HOST:PORT http URL
    try:
        yield {"grpc": words[3], "http": words[5].removeprefix("http://")}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_test_command_is_what_ci_runs() -> None:
    line = next(c for c in bash_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert line in ci


def test_every_soundloom_command_runs(folder: Path) -> None:
    ran = 0
    for command in bash_commands():
        if "pytest" in command or command.startswith(("soundloom serve", "curl", "ID=")):
            continue
        if "pip install" in command:  # install-and-run: the install is this suite's own
            command = command.rsplit("&& ", 1)[-1]
        assert command.startswith("soundloom "), command
        result = _run(command, folder)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        ran += 1
    assert ran >= 8


def test_every_http_example_works_against_the_server(folder: Path, served: dict[str, str]) -> None:
    script = "\n".join(
        c.replace("localhost:8080", served["http"])
        for c in bash_commands()
        if c.startswith(("curl", "ID="))
    )
    assert script.count("curl") >= 8
    result = _run(script, folder)
    assert result.returncode == 0, result.stderr
    assert '"status": "SERVING"' in result.stdout and '"events"' in result.stdout
    assert (folder / "rain.ogg").read_bytes()[:4] == b"OggS"
    assert (folder / "head.bin").stat().st_size == 1024
    assert "soundloom_requests_total" in result.stdout


def test_every_python_example_runs(folder: Path, served: dict[str, str]) -> None:
    for lang, body in BLOCKS:
        if lang != "python":
            continue
        code = body.replace("127.0.0.1:50051", served["grpc"])
        namespace: dict[str, Any] = {}
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            exec(compile(code, "README.md", "exec"), namespace)
        finally:
            os.chdir(cwd)
            client = namespace.get("remote")
            if client is not None:
                client.close()
