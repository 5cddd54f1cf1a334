"""`Client` and `AsyncClient`: one suite, run sync and async, embedded and against a real server.

The async client is driven through a small adapter that runs each awaited call on one event
loop per test, so every test body below is shared by the four ways of using the SDK.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

import soundloom
from soundloom import AssetCache, AsyncClient, Client
from soundloom_server.engine.encode import read_loop_comments
from soundloom_server.engine.plan import EventKind, ScenePlan

SR = 16000


class AsyncDriver:
    """Calls an AsyncClient's coroutines from test code, on one event loop."""

    def __init__(self, **kwargs: Any) -> None:
        self.runner = asyncio.Runner()
        self.client = AsyncClient(**kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **kw: self.runner.run(attr(*a, **kw))
        return attr

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.close()


class SyncDriver:
    """A Client, with the same `close()` as the async driver."""

    def __init__(self, **kwargs: Any) -> None:
        self.client = Client(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def close(self) -> None:
        self.client.close()


DRIVERS = {"sync": SyncDriver, "async": AsyncDriver}


@pytest.fixture(params=["sync-embedded", "async-embedded", "sync-remote", "async-remote"])
def make_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A factory of clients of one kind, each with its own fresh cache unless given one."""
    flavour, mode = request.param.split("-")
    made: list[Any] = []
    target = None
    if mode == "remote":
        target = request.getfixturevalue("server").grpc_target

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("cache", AssetCache(tmp_path / f"cache{len(made)}"))
        client = DRIVERS[flavour](target=target, **kwargs)
        made.append(client)
        return client

    make.mode = mode  # type: ignore[attr-defined]
    yield make
    for client in made:
        client.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generate_returns_a_decodable_asset_with_its_measurements(make_client: Any) -> None:
    client = make_client()
    asset = client.generate("a heavy door slams", duration=1.5, sample_rate=SR, format="wav")
    audio, rate = sf.read(asset.path, always_2d=True)
    assert rate == SR == asset.sample_rate
    assert audio.shape == (int(1.5 * SR), 2) and asset.frames == audio.shape[0]
    assert asset.duration_s == pytest.approx(1.5)
    assert asset.format == "wav" and asset.path.suffix == ".wav"
    assert sha256(asset.path) == asset.files[0].sha256
    assert abs(asset.loudness.integrated_lufs - -24.0) < 2.0
    assert asset.loudness.true_peak_dbtp <= -1.0 + 0.1
    assert asset.markers and asset.markers[0].label.startswith(asset.plan.events[0].id)
    assert asset.loop_points is None
    assert asset.metadata["cache_key"] == asset.key and len(asset.key) == 64
    assert not asset.cache_hit


def test_the_second_generate_is_a_cache_hit_with_the_same_bytes(make_client: Any) -> None:
    client = make_client()
    first = client.generate("wind in the pines", duration=1.0, sample_rate=SR, seed=3)
    again = client.generate("wind in the pines", duration=1.0, sample_rate=SR, seed=3)
    assert again.cache_hit and not first.cache_hit
    assert again.key == first.key and sha256(again.path) == sha256(first.path)


def test_loop_points_are_in_the_asset_and_in_the_file(make_client: Any) -> None:
    asset = make_client().generate("rain on a tin roof", duration=2.0, sample_rate=SR, loop=True)
    assert asset.format == "ogg"
    assert asset.loop_points is not None
    assert (asset.loop_points.start_frame, asset.loop_points.length_frames) == (0, 2 * SR)
    assert asset.loop_points.end_s == pytest.approx(2.0)
    written = read_loop_comments(asset.path)
    assert written is not None and (written.start, written.length) == (0, 2 * SR)


def test_plan_then_render_an_edited_plan(make_client: Any) -> None:
    client = make_client()
    plan = client.plan("rain on a tin roof, a door slams", duration=3.0)
    assert isinstance(plan, ScenePlan) and plan.duration_s == 3.0
    assert {e.kind for e in plan.events} <= set(EventKind)
    quieter = plan.__class__(**{**plan.__dict__, "style": "muffled"})
    asset = client.render(quieter, sample_rate=SR)
    assert asset.plan.style == "muffled"
    assert [e.id for e in asset.plan.events] == [e.id for e in plan.events]
    assert asset.duration_s == pytest.approx(3.0)


def test_generate_many_keeps_the_order_given(make_client: Any) -> None:
    client = make_client()
    durations = [1.0, 2.0, 1.5, 2.5]
    assets = client.generate_many(
        [
            {"scene": "a campfire crackles", "duration": d, "seed": i}
            for i, d in enumerate(durations)
        ],
        max_concurrency=3,
        sample_rate=SR,
    )
    assert [a.duration_s for a in assets] == pytest.approx(durations)
    assert [a.seed for a in assets] == [0, 1, 2, 3]


def test_generate_many_can_return_failures_in_place(make_client: Any) -> None:
    client = make_client()
    results = client.generate_many(
        ["a bell rings", {"scene": "a bell rings", "renderer": "nope"}],
        return_exceptions=True,
        duration=1.0,
        sample_rate=SR,
    )
    assert isinstance(results[0], soundloom.Asset)
    assert isinstance(results[1], soundloom.NotFound)


def test_backends_lists_the_default_planner_and_renderer(make_client: Any) -> None:
    backends = {(b.kind, b.name): b for b in make_client().backends()}
    assert backends[("planner", "rules")].default and backends[("planner", "rules")].available
    assert backends[("renderer", "procedural")].default


def test_errors_are_typed_and_name_the_field(make_client: Any) -> None:
    client = make_client()
    with pytest.raises(soundloom.InvalidArgument, match=r"^options\.sample_rate must be one of"):
        client.generate("rain", duration=1.0, sample_rate=12345)
    with pytest.raises(soundloom.NotFound, match=r"options\.renderer 'nope' is not a known"):
        client.generate("rain", duration=1.0, renderer="nope")
    bad_plan = client.plan("rain", duration=1.0)
    event = bad_plan.events[0].__class__(**{**bad_plan.events[0].__dict__, "renderer": "nope"})
    with pytest.raises(soundloom.NotFound, match=r"^events\[0\]\.renderer 'nope'"):
        client.render(bad_plan.__class__(**{**bad_plan.__dict__, "events": (event,)}))


def test_output_saves_the_files_and_the_suffix_picks_the_format(
    make_client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "sfx" / "door.flac"
    asset = make_client().generate("a door slams", duration=1.0, sample_rate=SR, output=out)
    assert asset.path == out and asset.format == "flac"
    assert sf.info(out).format == "FLAC"
    assert asset.sidecar_path == tmp_path / "sfx" / "door.flac.json"
    assert sorted(p.name for p in out.parent.iterdir()) == ["door.flac", "door.flac.json"]


def test_segments_come_back_as_files_of_the_asset(make_client: Any) -> None:
    asset = make_client().generate(
        "rain, thunder far away", duration=3.0, sample_rate=SR, segment_s=1.0, format="wav"
    )
    segments = [f for f in asset.files if f.role == "segment"]
    assert len(segments) >= 2
    joined = np.concatenate([sf.read(f.path, always_2d=True)[0] for f in segments])
    np.testing.assert_array_equal(joined, sf.read(asset.path, always_2d=True)[0])


def test_embedded_and_remote_share_keys_and_bytes(server: Any, tmp_path: Path) -> None:
    with Client(cache=AssetCache(tmp_path / "a")) as here:
        local = here.generate("crickets at night", duration=1.0, sample_rate=SR, seed=9)
    with Client(server.grpc_target, cache=AssetCache(tmp_path / "b")) as there:
        remote = there.generate("crickets at night", duration=1.0, sample_rate=SR, seed=9)
    assert remote.key == local.key
    assert sha256(remote.path) == sha256(local.path)
