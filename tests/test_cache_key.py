"""Content addresses: stable for the same request, different when anything that shapes it does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soundloom_server.engine import cache_key as cache_key_module
from soundloom_server.engine.cache_key import cache_key
from soundloom_server.engine.code_fingerprint import source_fingerprint
from soundloom_server.engine.plan import RenderOptions, SceneRequest
from soundloom_server.engine.registry import use_model

REQUEST = SceneRequest("rain on a tin roof", duration_s=5.0)


def test_same_request_same_key_and_options_change_it() -> None:
    assert cache_key(REQUEST, RenderOptions()) == cache_key(REQUEST, RenderOptions())
    assert cache_key(REQUEST, RenderOptions()) != cache_key(REQUEST, RenderOptions(seed=1))
    other = SceneRequest("rain on a tin roof", duration_s=6.0)
    assert cache_key(REQUEST, RenderOptions()) != cache_key(other, RenderOptions())


def test_the_key_changes_with_the_engine_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A redesigned recipe must not be served from a cache the old one filled.
    (tmp_path / "recipes").mkdir()
    recipe = tmp_path / "recipes" / "rain.py"
    recipe.write_text("DROPS = 100\n")
    (tmp_path / "manifest.json").write_text("{}")
    before = source_fingerprint(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "rain.cpython-311.pyc").write_bytes(b"compiled")
    assert source_fingerprint(tmp_path) == before, "bytecode is not the source"
    recipe.write_text("DROPS = 200\n")
    assert source_fingerprint(tmp_path) != before
    key = cache_key(REQUEST, RenderOptions())
    monkeypatch.setattr(cache_key_module, "engine_fingerprint", lambda: "another-engine")
    assert cache_key(REQUEST, RenderOptions()) != key


def _fake_checkpoint(folder: Path, width: int) -> Path:
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableAudioPipeline"}))
    (folder / "transformer").mkdir()
    (folder / "transformer" / "config.json").write_text(json.dumps({"width": width}))
    return folder


def test_diffusion_keys_follow_the_weights(tmp_path: Path) -> None:
    options = RenderOptions(renderer="diffusion")
    try:
        use_model("renderer", "diffusion", _fake_checkpoint(tmp_path / "a", 64))
        first = cache_key(REQUEST, options)
        assert cache_key(REQUEST, options) == first
        use_model("renderer", "diffusion", _fake_checkpoint(tmp_path / "b", 128))
        assert cache_key(REQUEST, options) != first, "other weights, other asset"
        procedural = cache_key(REQUEST, RenderOptions())
        use_model("renderer", "diffusion", tmp_path / "a")
        assert cache_key(REQUEST, RenderOptions()) == procedural, "procedural ignores models"
    finally:
        use_model("renderer", "diffusion", None)


@pytest.mark.parametrize("seed", [0, 7])
def test_key_is_lowercase_sha256_hex(seed: int) -> None:
    key = cache_key(REQUEST, RenderOptions(seed=seed))
    assert len(key) == 64 and key == key.lower() and int(key, 16) >= 0
