"""Continuing a clip through the SDK: embedded, over gRPC (ContinueClip's client-streaming
upload) and over HTTP (POST /v1/continue), against a real server on loopback."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom import AssetCache, AsyncClient, Client
from soundloom.errors import InvalidArgument

SR = 24000  # small and quick: the criteria are measured in test_continuation.py
CLIP_S = 4.0
NEW_S = 3.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of crackle over noise: a bed with events."""
    rng = np.random.default_rng(7)
    frames = int(CLIP_S * SR)
    bed = 0.05 * rng.standard_normal((frames, 1))
    for start in rng.integers(0, frames - 400, 40):
        bed[start : start + 400, 0] += 0.3 * rng.standard_normal(400) * np.exp(-np.arange(400) / 60)
    path = tmp_path_factory.mktemp("clip") / "crackle.wav"
    sf.write(path, bed.astype(np.float32), SR, subtype="PCM_16")
    return path


def _seam_marker(asset_path: Path) -> dict:
    sidecar = json.loads(asset_path.with_name(asset_path.name + ".json").read_text())
    return next(m for m in sidecar["markers"] if m["label"].startswith("seam"))


def test_embedded_and_remote_give_the_same_continuation(
    clip: Path, server: object, tmp_path: Path
) -> None:
    with Client(cache=AssetCache(tmp_path / "a")) as here:
        local = here.continue_clip(clip, duration=NEW_S, output=tmp_path / "here.wav")
    with Client(server.grpc_target, cache=AssetCache(tmp_path / "b")) as there:  # type: ignore[attr-defined]
        remote = there.continue_clip(clip, duration=NEW_S, output=tmp_path / "there.wav")
    a, rate = sf.read(local.path, dtype="float32")
    b, _ = sf.read(remote.path, dtype="float32")
    assert rate == SR and a.ndim == 1  # the clip's rate and channels
    seam = _seam_marker(local.path)
    assert a.shape[0] == round((seam["time_s"] + NEW_S) * SR)
    assert np.array_equal(a, b)
    assert _seam_marker(remote.path)["frame"] == seam["frame"]


def test_async_client_continues_only_the_new_part(
    clip: Path, server: object, tmp_path: Path
) -> None:
    async def run() -> tuple[Path, Path]:
        async with AsyncClient(cache=AssetCache(tmp_path / "c")) as here:
            a = await here.continue_clip(clip, duration=NEW_S, only_new=True, format="wav")
        async with AsyncClient(server.grpc_target, cache=AssetCache(tmp_path / "d")) as there:  # type: ignore[attr-defined]
            b = await there.continue_clip(clip, duration=NEW_S, only_new=True, format="wav")
        return a.path, b.path

    a, b = asyncio.run(run())
    x, _ = sf.read(a, dtype="float32")
    y, _ = sf.read(b, dtype="float32")
    assert x.shape[0] == round(NEW_S * SR) and np.array_equal(x, y)


def test_remote_bad_clip_names_it(server: object, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not a sound at all\n" * 20)
    there = Client(server.grpc_target, cache=False)  # type: ignore[attr-defined]
    with there, pytest.raises(InvalidArgument, match="clip is not audio"):
        there.continue_clip(bad, duration=NEW_S)


def _post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "audio/wav"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_continue_route(clip: Path, server: object) -> None:
    base = server.http_url  # type: ignore[attr-defined]
    status, body = _post(
        f"{base}/v1/continue?duration_s={NEW_S}&format=wav&clip_name=crackle.wav", clip.read_bytes()
    )
    assert status == 200, body
    events = body["plan"]["events"]
    assert [e["recipe"] for e in events] == ["clip", "continuation"]
    with urllib.request.urlopen(base + body["asset_url"], timeout=30) as response:
        assert response.read(4) == b"RIFF"
    status, body = _post(f"{base}/v1/continue?duration_s={NEW_S}", b"")
    assert status == 400 and "clip is empty" in body["error"]["message"]
    status, body = _post(f"{base}/v1/continue", clip.read_bytes())
    assert status == 400 and "duration_s" in body["error"]["message"]
