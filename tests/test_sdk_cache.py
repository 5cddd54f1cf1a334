"""The disk cache: keyed by the engine's content address, atomic, LRU-capped, checksum-verified."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from soundloom import AssetCache, Client
from soundloom.cli import main
from soundloom_server.engine.cache_key import cache_key
from soundloom_server.engine.plan import RenderOptions, SceneRequest

SR = 16000


def generate(cache: AssetCache, description: str, seed: int = 0):
    with Client(cache=cache) as client:
        return client.generate(description, duration=1.0, sample_rate=SR, seed=seed)


def test_entries_are_keyed_by_the_engines_content_address(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    asset = generate(cache, "a bell rings", seed=4)
    expected = cache_key(SceneRequest("a bell rings", 1.0), RenderOptions(sample_rate=SR, seed=4))
    assert asset.key == expected
    assert asset.path.parent == cache.directory_for(expected)
    assert [e.key for e in cache.entries()] == [expected]


def test_soundloom_cache_dir_overrides_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOUNDLOOM_CACHE_DIR", str(tmp_path / "elsewhere"))
    asset = generate(AssetCache(), "a bell rings")
    assert asset.path.is_relative_to(tmp_path / "elsewhere")


def test_a_corrupt_file_is_never_served_and_is_rendered_again(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    asset = generate(cache, "a bell rings")
    good = asset.path.read_bytes()
    asset.path.write_bytes(good[:-1] + bytes([good[-1] ^ 0xFF]))  # same size, one byte off
    assert cache.get(asset.key) is None  # checked on read, dropped
    again = generate(cache, "a bell rings")
    assert not again.cache_hit and again.path.read_bytes() == good


def test_verify_finds_corruption_and_can_delete_it(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    keep = generate(cache, "a bell rings", seed=1)
    bad = generate(cache, "a bell rings", seed=2)
    data = bytearray(bad.path.read_bytes())
    data[100] ^= 0xFF
    bad.path.write_bytes(bytes(data))
    problems = cache.verify()
    assert [(p.key, "sha256" in p.reason) for p in problems] == [(bad.key, True)]
    cache.verify(delete=True)
    assert [e.key for e in cache.entries()] == [keep.key]


def test_least_recently_used_entries_go_first_beyond_the_cap(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    assets = [generate(cache, "wind", seed=i) for i in range(3)]
    size = max(e.size_bytes for e in cache.entries())
    for i, asset in enumerate(assets):  # distinct LRU clocks: 0 oldest
        os.utime(asset.path.parent / "entry.json", (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get(assets[0].key) is not None  # a hit makes 0 the most recent
    capped = AssetCache(tmp_path, max_bytes=3 * size)
    newest = generate(capped, "wind", seed=3)
    left = {e.key for e in capped.entries()}
    assert assets[1].key not in left  # least recently used
    assert {assets[0].key, assets[2].key, newest.key} <= left
    assert capped.total_bytes <= 3 * size


def test_a_killed_write_leaves_no_entry(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    with cache.staging() as work:
        (work / "scene.ogg").write_bytes(b"half a file")
        # The process dies here: nothing was committed.
    assert cache.entries() == [] and not (tmp_path / "assets").exists()


def test_cli_cache_ls_du_verify_prune_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOUNDLOOM_CACHE_DIR", str(tmp_path))
    assets = [generate(AssetCache(), "rain", seed=i) for i in range(3)]
    capsys.readouterr()
    assert main(["cache", "ls", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(e["key"] for e in listed) == sorted(a.key for a in assets)
    assert main(["cache", "du"]) == 0
    assert "3 entries" in capsys.readouterr().out
    assert main(["cache", "verify"]) == 0
    assets[0].path.write_bytes(b"x" * assets[0].path.stat().st_size)
    assert main(["cache", "verify"]) == 1
    assert assets[0].key in capsys.readouterr().err
    assert main(["cache", "prune", "--max-size", "0"]) == 0
    assert AssetCache().entries() == []
    generate(AssetCache(), "rain")
    assert main(["cache", "clear"]) == 0
    assert "removed 1 entries" in capsys.readouterr().out
    assert main(["cache", "prune", "--max-size", "lots"]) == 2
    assert "--max-size must be a size" in capsys.readouterr().err
