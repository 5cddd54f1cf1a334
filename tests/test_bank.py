"""Sound banks: manifest checks, incremental builds, crash safety, and the scale-out paths."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from soundloom import AssetCache, InvalidArgument, build_bank, load_manifest
from soundloom.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOUNDS = [
    "a door slams",
    "rain on a tin roof",
    "wind howls",
    "a laser zap",
    "footsteps on gravel",
    "a campfire crackles",
    "a bell rings",
    "thunder far away",
    "a coin pickup",
    "an explosion",
]


def write_manifest(
    folder: Path,
    count: int,
    duration: float = 1.0,
    sample_rate: int = 16000,
    edits: dict[int, str] | None = None,
    skip: frozenset[int] = frozenset(),
) -> Path:
    """A bank of `count` entries, alternating ambience (ogg, looped) and sfx (wav)."""
    lines = [
        "[bank]",
        'name = "test_bank"',
        'output = "out"',
        "[defaults]",
        'format = { ambience = "ogg", sfx = "wav" }',
        'loudness = "mobile"',
        f"sample_rate = {sample_rate}",
        "channels = 1",
    ]
    for i in range(count):
        if i in skip:
            continue
        description = (edits or {}).get(i, SOUNDS[i % len(SOUNDS)])
        lines += [
            "[[entries]]",
            f'name = "sound_{i:02d}"',
            f'description = "{description}"',
            f"duration = {duration}",
            f'kind = "{"ambience" if i % 2 else "sfx"}"',
            f"seed = {i}",
            f'tags = ["t{i % 3}"]',
        ]
    path = folder / "bank.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_folder(out: Path) -> dict[str, Any]:
    """Every file in the folder is complete and every file bank.json lists matches it."""
    index = json.loads((out / "bank.json").read_text())
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".")], names  # no temporary files
    for path in out.iterdir():
        if path.name != "bank.json":
            info = sf.info(path)  # decodes: a complete file
            assert info.frames > 0
    for entry in index["entries"]:
        for variation in entry["variations"]:
            for item in [variation, *variation["segments"]]:
                path = out / item["file"]
                assert sha256(path) == item["sha256"]
            assert sf.info(out / variation["file"]).frames == variation["frames"]
    return index


def files_by_name(out: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(out.iterdir()) if p.name != "bank.json"}


# ---------------------------------------------------------------- manifest


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ('name = "a"', r"entries\[0\]\.description or plan"),
        ('name = "a"\ndescription = "x"\nduration = 0', r"entries\[0\]\.duration must be in"),
        ('name = "a"\ndescription = "x"\nduration = 1\nkind = "music"', r"entries\[0\]\.kind"),
        ('name = "a"\ndescription = "x"\nduration = 1\nvolume = 3', r"entries\[0\]\.volume is not"),
        ('name = "a/b"\ndescription = "x"\nduration = 1', r"entries\[0\]\.name must be"),
        ('name = "a"\ndescription = "x"\nduration = 1\nformat = "mp3"', r"entries\[0\]\.format"),
        ('name = "a"\ndescription = "x"\nduration = 1\nvariations = 0', r"variations must be"),
        ('name = "a"\ndescription = "x"\nduration = 1\nsegment = 0.5', r"entries\[0\]\.segment"),
        ('name = "a"\nplan = "missing.json"', r"entries\[0\]\.plan cannot be read"),
    ],
)
def test_manifest_errors_name_the_field(tmp_path: Path, entry: str, field: str) -> None:
    path = tmp_path / "bank.toml"
    path.write_text(f'[bank]\nname = "b"\n[[entries]]\n{entry}\n')
    with pytest.raises(InvalidArgument, match=field):
        load_manifest(path)


def test_duplicate_names_and_bad_defaults_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bank.toml"
    entry = '[[entries]]\nname = "a"\ndescription = "x"\nduration = 1\n'
    path.write_text(f'[bank]\nname = "b"\n{entry}{entry}')
    with pytest.raises(InvalidArgument, match=r"entries\[1\]\.name 'a' is not unique"):
        load_manifest(path)
    path.write_text(f'[bank]\nname = "b"\n[defaults]\nsample_rate = 12345\n{entry}')
    with pytest.raises(InvalidArgument, match=r"defaults\.sample_rate must be one of"):
        load_manifest(path)


def test_example_bank_manifest_parses() -> None:
    manifest = load_manifest(ROOT / "examples" / "bank" / "bank.toml")
    assert len(manifest.entries) >= 5
    kinds = {e.kind for e in manifest.entries}
    assert kinds == {"ambience", "sfx"}


# ---------------------------------------------------------------- builds


def test_variations_segments_and_formats_per_kind(tmp_path: Path) -> None:
    path = tmp_path / "bank.toml"
    path.write_text(
        """
[bank]
name = "b"
output = "sounds"
[defaults]
format = { ambience = "ogg", sfx = "wav" }
sample_rate = 16000
[[entries]]
name = "door"
description = "a door slams"
duration = 1.0
variations = 3
seed = 10
[[entries]]
name = "storm"
description = "rain, thunder far away"
duration = 3.0
kind = "ambience"
loop = false
segment = 1.0
[[entries]]
name = "rain"
description = "rain on a tin roof"
duration = 2.0
kind = "ambience"
"""
    )
    summary = build_bank(path, jobs=1, cache=AssetCache(tmp_path / "cache"))
    out = tmp_path / "sounds"
    assert (summary.rendered, summary.failed) == (3, 0)
    index = check_folder(out)
    names = set(files_by_name(out))
    assert {"door_01.wav", "door_02.wav", "door_03.wav", "storm.ogg", "rain.ogg"} <= names
    assert {n for n in names if n.startswith("storm_")} >= {"storm_001.ogg", "storm_002.ogg"}
    door, storm, rain = index["entries"]
    assert [v["seed"] for v in door["variations"]] == [10, 11, 12]
    assert len({v["sha256"] for v in door["variations"]}) == 3  # different seeds, different sound
    assert storm["variations"][0]["loop"] is None and len(storm["variations"][0]["segments"]) >= 2
    loop = rain["variations"][0]["loop"]
    assert loop == {"start_frame": 0, "length_frames": 32000, "start_s": 0.0, "end_s": 2.0}
    assert rain["variations"][0]["loudness"]["target_lufs"] == -24.0
    assert index["complete"] is True and index["files"] == sorted(names)


def test_fifty_entries_incremental_rebuild_edit_and_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    manifest = write_manifest(tmp_path, 50)
    out = tmp_path / "out"

    def build() -> dict[str, Any]:
        capsys.readouterr()
        code = main(
            ["bank", "build", str(manifest), "--jobs", "2", "--json", "--cache-dir", str(cache)]
        )
        assert code == 0
        return json.loads(capsys.readouterr().out)

    first = build()
    assert (first["rendered"], first["cached"], first["removed"], first["failed"]) == (50, 0, 0, 0)
    index = check_folder(out)
    assert len(index["entries"]) == 50 and index["complete"]
    for entry in index["entries"]:
        assert entry["variations"][0]["duration_s"] == pytest.approx(1.0)
    before = files_by_name(out)
    assert len(before) == 50

    again = build()
    assert (again["rendered"], again["cached"]) == (0, 50)
    assert files_by_name(out) == before

    write_manifest(tmp_path, 50, edits={7: "a dog barks"})
    edited = build()
    assert (edited["rendered"], edited["cached"]) == (1, 49)
    after = files_by_name(out)
    changed = {n for n in after if after[n] != before.get(n)}
    assert changed == {"sound_07.ogg"}

    write_manifest(tmp_path, 50, edits={7: "a dog barks"}, skip=frozenset({12}))
    removed = build()
    assert (removed["rendered"], removed["removed"]) == (0, 1)
    assert not (out / "sound_12.wav").exists()
    index = check_folder(out)
    assert len(index["entries"]) == 49 and len(files_by_name(out)) == 49


def test_a_failed_entry_is_reported_and_the_rest_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from soundloom import Client

    with Client(cache=False) as client:
        plan = client.plan("a bell rings", duration=1.0)
    broken = dict(
        json.loads(json.dumps(plan.__dict__, default=lambda o: getattr(o, "value", o.__dict__)))
    )
    broken["events"][0]["renderer"] = "nope"
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    path = tmp_path / "bank.toml"
    path.write_text(
        '[bank]\nname = "b"\n[defaults]\nsample_rate = 16000\n'
        '[[entries]]\nname = "ok"\ndescription = "a bell"\nduration = 1\n'
        '[[entries]]\nname = "bad"\nplan = "broken.json"\n'
    )
    args = ["bank", "build", str(path), "--jobs", "1", "--json", "--cache-dir", str(tmp_path)]
    code = main(args)
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and (summary["rendered"], summary["failed"]) == (1, 1)
    assert summary["failures"] == [{"name": "bad", "error": summary["failures"][0]["error"]}]
    assert summary["failures"][0]["error"].startswith("events[0].renderer 'nope'")
    index = check_folder(path.parent / "b")
    assert [e["name"] for e in index["entries"]] == ["ok"]
    assert index["failed"][0]["name"] == "bad"


def test_sigkill_mid_build_leaves_complete_files_and_the_next_build_resumes(
    tmp_path: Path,
) -> None:
    total = 40
    manifest = write_manifest(tmp_path, total, duration=3.0, sample_rate=48000)
    out = tmp_path / "out"
    env = {**os.environ, "SOUNDLOOM_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "soundloom.cli", "bank", "build", str(manifest), "--jobs", "2"]
    build = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and build.poll() is None:
            try:
                listed = json.loads((out / "bank.json").read_text())["entries"]
            except (OSError, ValueError):
                listed = []
            if len(listed) >= 4:
                break
            time.sleep(0.01)
    finally:
        os.killpg(build.pid, signal.SIGKILL)  # the build and its worker processes
        build.wait()
    assert build.returncode == -signal.SIGKILL, build.stderr.read() if build.stderr else ""
    index = check_folder(out)
    assert index["complete"] is False
    done_before = {e["name"] for e in index["entries"]}
    assert 4 <= len(done_before) < total

    resumed = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    summary = json.loads(resumed.stdout)
    assert summary["failed"] == 0 and summary["rendered"] + summary["cached"] == total
    assert summary["rendered"] <= total - len(done_before)  # finished entries were not redone
    final = check_folder(out)
    assert final["complete"] is True and len(final["entries"]) == total
    assert not (tmp_path / ".out.staging").exists()


def test_remote_build_gives_the_same_files_as_embedded(server: Any, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, 4)
    build_bank(manifest, tmp_path / "here", jobs=1, cache=AssetCache(tmp_path / "c1"))
    summary = build_bank(
        manifest,
        tmp_path / "there",
        jobs=2,
        server=server.grpc_target,
        cache=AssetCache(tmp_path / "c2"),
    )
    assert summary.rendered == 4
    assert files_by_name(tmp_path / "there") == files_by_name(tmp_path / "here")
    check_folder(tmp_path / "there")


def test_ray_build_gives_the_same_files_as_jobs(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    manifest = write_manifest(tmp_path, 6)
    build_bank(manifest, tmp_path / "jobs", jobs=2, cache=AssetCache(tmp_path / "c1"))
    # A fresh process, as CI runs it: Ray starts a local instance there (ray.init(num_cpus=2)).
    command = [sys.executable, "-m", "soundloom.cli", "bank", "build", str(manifest)]
    command += ["--out", str(tmp_path / "ray"), "--ray", "local", "--jobs", "2", "--json"]
    command += ["--cache-dir", str(tmp_path / "c2")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert (summary["rendered"], summary["failed"]) == (6, 0)
    assert files_by_name(tmp_path / "ray") == files_by_name(tmp_path / "jobs")
    check_folder(tmp_path / "ray")


def _children(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_parallel_build_leaves_no_worker_behind(tmp_path: Path, signum: int) -> None:
    manifest = write_manifest(tmp_path, 40, duration=3.0, sample_rate=48000)
    env = {**os.environ, "SOUNDLOOM_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "soundloom.cli", "bank", "build", str(manifest), "--jobs", "2"]
    build = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            workers = _children(build.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the build never started its workers"
        build.send_signal(signum)  # the parent alone, as a user's kill or an OOM kill does
        build.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [p for p in workers if _alive(p)]
        assert not survivors, f"workers {survivors} outlived the build"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
        build.wait()


def test_remote_build_sends_the_token(start_server: Any, tmp_path: Path) -> None:
    guarded = start_server(token="bank-token")
    manifest = write_manifest(tmp_path, 2)
    args = ["bank", "build", str(manifest), "--server", guarded.grpc_target, "--json"]
    args += ["--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "out")]
    assert main(args) == 1  # no token: every entry is refused by the server
    os.environ["SOUNDLOOM_TOKEN"] = "bank-token"
    try:
        assert main(args) == 0
    finally:
        del os.environ["SOUNDLOOM_TOKEN"]
    assert (
        main(
            [
                *args[:-4],
                "--token",
                "bank-token",
                "--cache-dir",
                str(tmp_path / "c2"),
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 0
    )
    assert files_by_name(tmp_path / "out") == files_by_name(tmp_path / "o2")
