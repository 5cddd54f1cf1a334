"""Each error path over real transports: codes and messages naming the field, limits, cancel."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from test_server_grpc import assemble, generate, scene_request
from test_server_http import call

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

# A 60 s scene with several events: long enough to cancel mid-render (about 2.5 s of work).
LONG_SCENE = (
    "rain on a tin roof, wind, crowd murmuring in a tavern, a door slams, thunder, footsteps"
)


def long_request(seed: int) -> pb.GenerateSceneRequest:
    return pb.GenerateSceneRequest(
        scene=pb.SceneRequest(description=LONG_SCENE, duration_s=60.0),
        options=pb.RenderOptions(seed=seed),
    )


def stub_for(server: Any) -> pb_grpc.SoundloomStub:
    return pb_grpc.SoundloomStub(grpc.insecure_channel(server.grpc_target))


def rpc_error(call_: Callable[[], Any]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call_()
    return caught.value


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def stub(server: Any) -> pb_grpc.SoundloomStub:
    return stub_for(server)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (scene_request(1, sample_rate=12345), "options.sample_rate"),
        (scene_request(1, channels=3), "options.channels"),
        (scene_request(1, true_peak_db=3.0), "options.true_peak_db"),
        (scene_request(1, description=" "), "scene.description"),
        (scene_request(1, description="x" * 4001), "scene.description"),
        (
            pb.GenerateSceneRequest(scene=pb.SceneRequest(description="rain", duration_s=601)),
            "scene.duration_s",
        ),
        (
            pb.GenerateSceneRequest(
                plan=pb.ScenePlan(
                    duration_s=2,
                    events=[
                        pb.Event(
                            id="a",
                            kind=pb.EVENT_KIND_SFX,
                            caption="door",
                            recipe="door",
                            duration_s=1,
                            pan=2.0,
                        )
                    ],
                )
            ),
            "events[0].pan",
        ),
        (
            pb.GenerateSceneRequest(
                plan=pb.ScenePlan(
                    duration_s=2,
                    events=[
                        pb.Event(
                            id=f"e{i}",
                            kind=pb.EVENT_KIND_SFX,
                            caption="tick",
                            recipe="impact",
                            duration_s=0.1,
                        )
                        for i in range(129)
                    ],
                )
            ),
            "events",
        ),
        (pb.GenerateSceneRequest(), "source"),
    ],
)
def test_invalid_argument_names_the_field(
    stub: pb_grpc.SoundloomStub, request_: Any, field: str
) -> None:
    error = rpc_error(lambda: generate(stub, request_))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(field + " "), error.details()


def test_plan_scene_requires_a_scene(stub: pb_grpc.SoundloomStub) -> None:
    error = rpc_error(lambda: stub.PlanScene(pb.PlanSceneRequest(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("scene")


def test_unknown_backend_is_not_found(stub: pb_grpc.SoundloomStub) -> None:
    error = rpc_error(lambda: generate(stub, scene_request(1, planner="oracle")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("options.planner 'oracle'")


def test_asset_errors(stub: pb_grpc.SoundloomStub) -> None:
    for bad in ("../../etc", "AB" * 32, "ab" * 31, ""):
        error = rpc_error(lambda b=bad: stub.StatAsset(pb.StatAssetRequest(asset_id=b), timeout=5))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details().startswith("asset_id must be 64 lowercase hex digits")
    missing = pb.GetAssetRequest(asset_id="0" * 64)
    error = rpc_error(lambda: list(stub.GetAsset(missing, timeout=5)))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("asset_id")
    messages = generate(stub, scene_request(7))
    asset = next(m.asset for m in messages if m.WhichOneof("update") == "asset")
    past = pb.GetAssetRequest(asset_id=asset.asset_id, offset=asset.size_bytes + 1)
    error = rpc_error(lambda: list(stub.GetAsset(past, timeout=5)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("offset must be <=")
    unknown = pb.GetAssetRequest(asset_id=asset.asset_id, file_name="../manifest.json")
    error = rpc_error(lambda: list(stub.GetAsset(unknown, timeout=5)))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("file_name")


def test_cancelled_call_stops_its_render(server: Any, stub: pb_grpc.SoundloomStub) -> None:
    cancelled_before = server.metrics.renders.value("cancelled")
    call_ = stub.GenerateScene(long_request(9001), timeout=30)
    accepted = next(call_)
    assert accepted.WhichOneof("update") == "accepted"
    while next(call_).progress.stage != pb.STAGE_RENDER:
        pass
    call_.cancel()
    # The server, not merely the client, gave up: the render stopped before it finished.
    assert wait_for(lambda: server.metrics.renders.value("cancelled") == cancelled_before + 1)
    assert accepted.accepted.asset_id not in server.store
    assert wait_for(lambda: server.queue.running == 0)


def test_deadline_too_short_is_deadline_exceeded(server: Any, stub: Any) -> None:
    cancelled_before = server.metrics.renders.value("cancelled")
    error = rpc_error(lambda: list(stub.GenerateScene(long_request(9002), timeout=0.5)))
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wait_for(lambda: server.metrics.renders.value("cancelled") == cancelled_before + 1)
    assert wait_for(lambda: server.queue.running == 0)
    body = {
        "scene": {"description": LONG_SCENE, "duration_s": 60},
        "options": {"seed": "9003"},
    }
    status, _, reply = call(server, "/v1/generate", body, headers={"X-Request-Timeout": "0.5"})
    assert status == 504 and json.loads(reply)["error"]["status"] == "DEADLINE_EXCEEDED"
    assert wait_for(lambda: server.metrics.renders.value("cancelled") == cancelled_before + 2)


def test_full_queue_is_resource_exhausted_and_429(start_server: Any) -> None:
    server = start_server(workers=1, max_queue=1)
    stub = stub_for(server)
    running = stub.GenerateScene(long_request(1), timeout=30)
    assert next(running).accepted.queue_position == 0
    waiting = stub.GenerateScene(long_request(2), timeout=30)
    assert next(waiting).accepted.queue_position == 1
    try:
        error = rpc_error(lambda: generate(stub, long_request(3)))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "render queue is full" in error.details()
        assert dict(error.trailing_metadata())["retry-after"] == "1"
        body = {"scene": {"description": LONG_SCENE, "duration_s": 60}, "options": {"seed": "4"}}
        status, headers, reply = call(server, "/v1/generate", body)
        assert status == 429 and headers["Retry-After"] == "1"
        assert json.loads(reply)["error"]["status"] == "RESOURCE_EXHAUSTED"
        # Joining an identical render in flight takes no queue slot.
        joined = stub.GenerateScene(long_request(1), timeout=30)
        assert next(joined).WhichOneof("update") == "accepted"
        joined.cancel()
    finally:
        running.cancel()
        waiting.cancel()
    assert wait_for(lambda: server.queue.running == 0 and server.queue.depth == 0)
    assert server.metrics.renders.value("ok") == 0


def test_unexpected_errors_are_internal_never_unknown(start_server: Any) -> None:
    server = start_server()

    def broken() -> None:
        raise RuntimeError("secret detail")

    server.servicer.list_backends = broken
    error = rpc_error(lambda: stub_for(server).ListBackends(pb.ListBackendsRequest(), timeout=5))
    assert error.code() == grpc.StatusCode.INTERNAL and "secret" not in error.details()
    status, _, reply = call(server, "/v1/backends")
    assert status == 500 and "secret" not in reply.decode()


def test_corrupt_asset_is_discarded_and_rendered_again(start_server: Any) -> None:
    server = start_server()
    stub = stub_for(server)
    first = generate(stub, scene_request(55))
    asset = next(m.asset for m in first if m.WhichOneof("update") == "asset")
    path = next(Path(server.config.store).rglob(asset.files[0].name))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    error = rpc_error(
        lambda: list(stub.GetAsset(pb.GetAssetRequest(asset_id=asset.asset_id), timeout=5))
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND and "corrupt" in error.details()
    assert server.metrics.cache.value("corrupt") == 1  # found by a read counts too
    again = generate(stub, scene_request(55))
    assert not again[-1].done.cache_hit
    assert assemble(again)[0] == assemble(first)[0]
    # Corrupt once more: this time GenerateScene itself finds it, discards it and re-renders.
    path = next(Path(server.config.store).rglob(asset.files[0].name))
    path.write_bytes(b"\0" * path.stat().st_size)
    third = generate(stub, scene_request(55))
    assert not third[-1].done.cache_hit and assemble(third)[0] == assemble(first)[0]
    assert server.metrics.cache.value("corrupt") == 2


def test_store_evicts_least_recently_used(start_server: Any) -> None:
    server = start_server()
    stub = stub_for(server)
    ids = []
    for seed in (61, 62):
        messages = generate(stub, scene_request(seed))
        ids.append(messages[0].accepted.asset_id)
    per_asset = server.store.total_bytes / 2
    server.store.max_bytes = int(per_asset * 2.5)  # room for two of these assets, not three
    list(stub.GetAsset(pb.GetAssetRequest(asset_id=ids[0]), timeout=5))  # 61 is now recent
    ids.append(generate(stub, scene_request(63))[0].accepted.asset_id)
    assert ids[0] in server.store and ids[2] in server.store
    assert ids[1] not in server.store
    assert server.store.total_bytes <= server.store.max_bytes
    assert server.metrics.store_evictions.value() == 1


def test_store_survives_a_restart(start_server: Any, server_loop: Any, tmp_path: Path) -> None:
    first = start_server(store=tmp_path)
    messages = generate(stub_for(first), scene_request(71))
    server_loop.run(first.stop(0.5))
    second = start_server(store=tmp_path)
    again = generate(stub_for(second), scene_request(71))
    assert again[-1].done.cache_hit
    assert assemble(again) == assemble(messages)


def test_concurrent_clients_do_not_block_each_other(server: Any) -> None:
    # A long render runs on a worker thread; meanwhile unary calls stay fast.
    stub = stub_for(server)
    call_ = stub.GenerateScene(long_request(9100), timeout=30)
    next(call_)
    assert wait_for(lambda: server.queue.running == 1)
    for _ in range(20):
        # Each call would fail with DEADLINE_EXCEEDED if the render blocked the event loop.
        stub.ListBackends(pb.ListBackendsRequest(), timeout=2)
    assert server.queue.running == 1, "the render was still going on beside the calls"
    call_.cancel()
    assert wait_for(lambda: server.queue.running == 0)
