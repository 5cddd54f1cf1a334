"""The gRPC transport against a real server on 127.0.0.1: streams, cache, single flight, assets."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

DEADLINE_S = 30.0
CHUNK_LIMIT = 256 * 1024


def scene_request(seed: int, description: str = "rain on a tin roof, a door slams", **options: Any):
    """A short (2 s) scene, unique per seed."""
    return pb.GenerateSceneRequest(
        scene=pb.SceneRequest(description=description, duration_s=2.0),
        options=pb.RenderOptions(seed=seed, **options),
    )


def generate(stub: pb_grpc.SoundloomStub, request: pb.GenerateSceneRequest) -> list[Any]:
    """Every message of one GenerateScene stream."""
    return list(stub.GenerateScene(request, timeout=DEADLINE_S))


def assemble(messages: list[Any]) -> dict[int, bytes]:
    """The streamed files, by index, checking chunk order and size on the way."""
    files: dict[int, bytearray] = {}
    for message in messages:
        if message.WhichOneof("update") != "chunk":
            continue
        chunk = message.chunk
        assert 1 <= len(chunk.data) <= CHUNK_LIMIT
        data = files.setdefault(chunk.file_index, bytearray())
        assert chunk.offset == len(data), "chunks are contiguous, in increasing offset"
        data.extend(chunk.data)
    return {index: bytes(data) for index, data in files.items()}


@pytest.fixture(scope="module")
def channel(server: Any):
    with grpc.insecure_channel(server.grpc_target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield channel


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> pb_grpc.SoundloomStub:
    return pb_grpc.SoundloomStub(channel)


@pytest.fixture(scope="module")
def generated(stub: pb_grpc.SoundloomStub) -> list[Any]:
    """One rendered scene (WAV + stems, so there are several files) shared by the module."""
    return generate(stub, scene_request(101, format=pb.AUDIO_FORMAT_WAV, stems=True))


def test_stream_order_and_checksums(generated: list[Any]) -> None:
    kinds = [m.WhichOneof("update") for m in generated]
    assert kinds[0] == "accepted" and kinds[-1] == "done"
    first_plan = kinds.index("plan")
    assert set(kinds[1:first_plan]) <= {"progress"}
    assert kinds[first_plan + 1] == "asset"
    assert set(kinds[first_plan + 2 : -1]) == {"chunk"}
    assert kinds.count("plan") == kinds.count("asset") == 1
    info = generated[first_plan + 1].asset
    assert info.asset_id == generated[0].accepted.asset_id
    files = assemble(generated)
    assert len(files) == len(info.files) >= 3  # main, two stems, sidecar
    for index, entry in enumerate(info.files):
        assert hashlib.sha256(files[index]).hexdigest() == entry.sha256
        assert len(files[index]) == entry.size_bytes
    assert hashlib.sha256(files[0]).hexdigest() == info.sha256
    assert info.files[0].role == pb.FILE_ROLE_MAIN
    assert info.files[-1].role == pb.FILE_ROLE_SIDECAR
    assert files[0][:4] == b"RIFF" and info.mime_type == "audio/wav"
    assert info.duration_s == pytest.approx(2.0) and info.sample_rate == 48000
    assert info.loudness.target_lufs == pytest.approx(-24.0)
    assert len(info.markers) == len(generated[first_plan].plan.events)
    assert not generated[-1].done.cache_hit and generated[-1].done.render_seconds > 0


def test_progress_is_in_pipeline_order(generated: list[Any]) -> None:
    progress = [m.progress for m in generated if m.WhichOneof("update") == "progress"]
    assert progress, "a render reports progress"
    stages = [p.stage for p in progress]
    assert stages == sorted(stages)
    for stage in set(stages):
        fractions = [p.fraction for p in progress if p.stage == stage]
        assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)


def test_second_identical_request_is_a_cache_hit(
    stub: pb_grpc.SoundloomStub, generated: list[Any]
) -> None:
    again = generate(stub, scene_request(101, format=pb.AUDIO_FORMAT_WAV, stems=True))
    assert again[-1].done.cache_hit and again[-1].done.render_seconds == 0.0
    assert assemble(again) == assemble(generated)
    assert not any(m.WhichOneof("update") == "progress" for m in again)


def test_identical_concurrent_requests_render_once(server: Any, stub: Any) -> None:
    renders_before = server.metrics.renders.value("ok")
    request = scene_request(202)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: generate(stub, request), range(8)))
    assert server.metrics.renders.value("ok") == renders_before + 1
    ids = {r[0].accepted.asset_id for r in results}
    assert len(ids) == 1
    contents = {assemble(r)[0] for r in results}
    assert len(contents) == 1


def test_get_asset_from_an_offset(stub: pb_grpc.SoundloomStub, generated: list[Any]) -> None:
    info = next(m.asset for m in generated if m.WhichOneof("update") == "asset")
    whole = assemble(generated)[0]
    for offset, length in ((0, 0), (1000, 0), (len(whole) - 7, 0), (300_000, 1234), (5, 1)):
        request = pb.GetAssetRequest(asset_id=info.asset_id, offset=offset, length=length)
        chunks = list(stub.GetAsset(request, timeout=DEADLINE_S))
        data = b"".join(c.data for c in chunks)
        end = offset + length if length else len(whole)
        assert data == whole[offset:end]
        assert all(c.total_size == len(whole) and len(c.data) <= CHUNK_LIMIT for c in chunks)
    at_end = pb.GetAssetRequest(asset_id=info.asset_id, offset=len(whole))
    assert list(stub.GetAsset(at_end, timeout=DEADLINE_S)) == []


def test_get_asset_by_file_name(stub: pb_grpc.SoundloomStub, generated: list[Any]) -> None:
    info = next(m.asset for m in generated if m.WhichOneof("update") == "asset")
    sidecar = info.files[-1]
    request = pb.GetAssetRequest(asset_id=info.asset_id, file_name=sidecar.name)
    data = b"".join(c.data for c in stub.GetAsset(request, timeout=DEADLINE_S))
    assert hashlib.sha256(data).hexdigest() == sidecar.sha256


def test_stat_asset(stub: pb_grpc.SoundloomStub, generated: list[Any]) -> None:
    info = next(m.asset for m in generated if m.WhichOneof("update") == "asset")
    assert stub.StatAsset(pb.StatAssetRequest(asset_id=info.asset_id), timeout=5) == info


def test_plan_scene(stub: pb_grpc.SoundloomStub) -> None:
    request = pb.PlanSceneRequest(scene=pb.SceneRequest(description="forest birds, 5 seconds"))
    plan = stub.PlanScene(request, timeout=DEADLINE_S).plan
    assert plan.duration_s == pytest.approx(5.0)
    assert plan.events and all(e.kind != pb.EVENT_KIND_UNSPECIFIED for e in plan.events)


def test_generate_from_an_edited_plan(stub: pb_grpc.SoundloomStub) -> None:
    request = pb.PlanSceneRequest(scene=pb.SceneRequest(description="wind", duration_s=1.5))
    plan = stub.PlanScene(request, timeout=DEADLINE_S).plan
    plan.events[0].gain_db = -3.0
    messages = generate(stub, pb.GenerateSceneRequest(plan=plan))
    rendered = next(m.plan for m in messages if m.WhichOneof("update") == "plan")
    assert rendered.events[0].gain_db == -3.0
    info = next(m.asset for m in messages if m.WhichOneof("update") == "asset")
    assert hashlib.sha256(assemble(messages)[0]).hexdigest() == info.sha256


def test_list_backends(stub: pb_grpc.SoundloomStub) -> None:
    backends = stub.ListBackends(pb.ListBackendsRequest(), timeout=5).backends
    names = {(b.name, b.kind) for b in backends}
    assert ("rules", pb.BACKEND_KIND_PLANNER) in names
    assert ("procedural", pb.BACKEND_KIND_RENDERER) in names
    assert all(b.available for b in backends if b.default)


def test_health_and_reflection(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "soundloom.v1.Soundloom"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
    ask = reflection_pb2.ServerReflectionRequest(list_services="")
    reply = next(iter(reflect.ServerReflectionInfo(iter([ask]), timeout=5)))
    services = {s.name for s in reply.list_services_response.service}
    assert {"soundloom.v1.Soundloom", "grpc.health.v1.Health"} <= services
