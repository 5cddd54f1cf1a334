"""Hardening regressions: each test is a request that once broke the server or its host."""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from test_server_grpc import generate, scene_request
from test_server_http import call

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

TOKEN = "hardening-token"


def raw_http(
    server: Any, method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] = ()
) -> tuple[int, bytes]:
    """One request with exact bytes and repeatable headers (urllib merges duplicates)."""
    host, port = server.http_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def error_status(body: bytes) -> str:
    return json.loads(body)["error"]["status"]


# ------------------------------------------------------------------ bodies the gateway must refuse


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"scene": {"description": "rain \xff\xfe"}}', "application/json"),
        (b'{"scene": {"description": "rain"}}', "application/json; charset=klingon"),
        ('{"scene": {"description": "pluie"}}'.encode("utf-16"), "application/json"),
    ],
)
def test_undecodable_json_bodies_are_400(server: Any, body: bytes, content_type: str) -> None:
    status, answer = raw_http(server, "POST", "/v1/plan", body, [("Content-Type", content_type)])
    assert status == 400, answer
    assert error_status(answer) == "INVALID_ARGUMENT"
    assert json.loads(answer)["error"]["message"].startswith("body ")


def test_a_body_over_the_limit_is_413_not_a_retry_invitation(server: Any) -> None:
    body = b'{"scene": {"description": "' + b"r" * (1 << 20) + b'"}}'
    status, answer = raw_http(
        server, "POST", "/v1/plan", body, [("Content-Type", "application/json")]
    )
    assert status == 413, answer
    assert error_status(answer) == "RESOURCE_EXHAUSTED"
    assert "1048576 bytes" in json.loads(answer)["error"]["message"]


def test_an_event_shorter_than_a_millisecond_is_refused_naming_it(server: Any) -> None:
    event = {"id": "a", "kind": "EVENT_KIND_SFX", "caption": "door", "recipe": "door"}
    body = {"plan": {"duration_s": 1, "events": [{**event, "duration_s": 1e-5}]}}
    status, _, answer = call(server, "/v1/generate", body)
    assert status == 400, answer
    assert json.loads(answer)["error"]["message"].startswith("events[0].duration_s")


@pytest.mark.parametrize(
    ("method", "path", "code"), [("GET", "/v1/nope", 404), ("GET", "/v1/plan", 405)]
)
def test_routing_errors_have_the_json_error_shape(
    server: Any, method: str, path: str, code: int
) -> None:
    status, answer = raw_http(server, method, path)
    assert status == code
    error = json.loads(answer)["error"]
    assert error["code"] in (5, 12) and error["message"]


# ------------------------------------------------------------------ ranges


@pytest.fixture(scope="module")
def stored(server: Any) -> dict[str, Any]:
    status, _, body = call(
        server,
        "/v1/generate",
        {"scene": {"description": "a door slams", "duration_s": 1}, "options": {"seed": "7"}},
    )
    assert status == 200, body
    return json.loads(body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=" + "9" * 5000 + "-", 416),  # starts past any file
        ("bytes=-" + "9" * 5000, 206),  # the last "huge" bytes: the whole file
        ("bytes=0-" + "9" * 5000, 206),
    ],
)
def test_ranges_with_huge_numbers_are_answered(
    server: Any, stored: dict[str, Any], header: str, expected: int
) -> None:
    status, answer = raw_http(server, "GET", stored["asset_url"], headers=[("Range", header)])
    assert status == expected
    if expected == 206:
        assert len(answer) == int(stored["asset"]["size_bytes"])
    else:
        assert error_status(answer) == "OUT_OF_RANGE"


# ------------------------------------------------------------------ gRPC bytes


def test_undecodable_grpc_messages_are_invalid_argument(server: Any) -> None:
    channel = grpc.insecure_channel(server.grpc_target)
    garbage = b"\xff\xff\xff\xff\x0f"  # a truncated varint: no message parses from it
    for method, streaming in (("PlanScene", False), ("GenerateScene", True)):
        path = f"/soundloom.v1.Soundloom/{method}"
        rpc = (channel.unary_stream if streaming else channel.unary_unary)(path)
        with pytest.raises(grpc.RpcError) as caught:
            answer = rpc(garbage, timeout=10)
            if streaming:
                list(answer)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, method
        assert "DecodeError" not in caught.value.details()
        assert caught.value.details().startswith("request ")


# ------------------------------------------------------------------ duplicate credentials


@pytest.fixture(scope="module")
def guarded(start_server: Any) -> Any:
    return start_server(token=TOKEN)


def test_two_authorization_values_are_refused_on_both_transports(guarded: Any) -> None:
    good, bad = f"Bearer {TOKEN}", "Bearer nope"
    for pair in ((good, bad), (bad, good)):
        status, answer = raw_http(
            guarded, "GET", "/v1/backends", headers=[("Authorization", v) for v in pair]
        )
        assert status == 401 and "more than one" in json.loads(answer)["error"]["message"]
        stub = pb_grpc.SoundloomStub(grpc.insecure_channel(guarded.grpc_target))
        metadata = tuple(("authorization", v) for v in pair)
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListBackends(pb.ListBackendsRequest(), metadata=metadata, timeout=5)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "more than one" in caught.value.details()


# ------------------------------------------------------------------ the store on disk


def test_start_up_never_deletes_through_a_symlinked_shard(
    start_server: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "precious"
    (outside / "not-an-asset").mkdir(parents=True)
    (outside / "not-an-asset" / "data.txt").write_text("keep me")
    store = tmp_path / "store"
    (store / "objects").mkdir(parents=True)
    (store / "objects" / "ab").symlink_to(outside, target_is_directory=True)
    (store / "objects" / "cd").mkdir()
    (store / "objects" / "cd" / ("cd" + "0" * 62)).symlink_to(outside, target_is_directory=True)
    start_server(store=store)
    assert (outside / "not-an-asset" / "data.txt").read_text() == "keep me"


def test_a_manifest_cannot_name_a_file_outside_its_asset(
    server_loop: Any, start_server: Any, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = start_server(store=store)
    asset_id = generate(
        pb_grpc.SoundloomStub(grpc.insecure_channel(first.grpc_target)), scene_request(41)
    )[0].accepted.asset_id
    server_loop.run(first.stop(0.5))
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0")
    manifest_path = store / "objects" / asset_id[:2] / asset_id / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    escape = "../../../../secret.txt"
    manifest["info"]["files"].append(
        {
            "name": escape,
            "size_bytes": str(secret.stat().st_size),
            "sha256": hashlib.sha256(secret.read_bytes()).hexdigest(),
        }
    )
    manifest_path.write_text(json.dumps(manifest))
    second = start_server(store=store)
    status, answer = raw_http(second, "GET", f"/v1/assets/{asset_id}?file={escape}")
    assert status in (400, 404), answer
    assert b"root:x" not in answer
    assert secret.exists()
    shutil.rmtree(store, ignore_errors=True)


# ------------------------------------------------------------------ memory


def _beds(count: int, seconds: float) -> dict[str, Any]:
    bed = {"kind": "EVENT_KIND_AMBIENCE", "caption": "rain", "recipe": "rain"}
    events = [{**bed, "id": f"bed-{i}", "duration_s": seconds} for i in range(count)]
    return {"plan": {"duration_s": seconds, "events": events}}


def test_a_plan_too_big_for_memory_is_refused_before_it_renders(start_server: Any) -> None:
    server = start_server(max_render_bytes=64 << 20)
    status, _, answer = call(server, "/v1/generate", _beds(128, 600.0))
    assert status == 413, answer
    error = json.loads(answer)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED" and error["message"].startswith(
        "max_render_bytes"
    )
    assert "128 events" in error["message"]
    assert server.metrics.renders.value("ok") == 0 and server.metrics.renders.value("error") == 0
    stub = pb_grpc.SoundloomStub(grpc.insecure_channel(server.grpc_target))
    described = pb.GenerateSceneRequest(
        scene=pb.SceneRequest(description="rain, wind, thunder, a fire", duration_s=600)
    )
    with pytest.raises(grpc.RpcError) as caught:  # the plan from words is checked too
        list(stub.GenerateScene(described, timeout=30))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status, _, _ = call(server, "/v1/generate", _beds(1, 2.0))  # small scenes still render
    assert status == 200


def test_a_render_footprint_is_bounded_by_design_not_by_the_event_count() -> None:
    from soundloom_server.engine.footprint import (
        default_render_budget_bytes,
        render_footprint_bytes,
    )
    from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan

    def plan(count: int) -> ScenePlan:
        beds = tuple(
            Event(f"b-{i}", EventKind.AMBIENCE, "rain", "rain", 0.0, 600.0) for i in range(count)
        )
        return ScenePlan(duration_s=600.0, events=beds)

    budget = default_render_budget_bytes(workers=2, memory_bytes=24 << 30)  # this machine
    eight = render_footprint_bytes(plan(8), RenderOptions())
    # Beds render one piece at a time onto one mix buffer: 128 of them hold what 8 hold
    # (before, every clip lived until the mix: 128 x 600 s needed ~30 GB).
    assert eight < 600 << 20 and eight < budget
    assert render_footprint_bytes(plan(128), RenderOptions()) == eight
    assert render_footprint_bytes(plan(8), RenderOptions(stems=True)) > eight  # 3 more buffers


# ------------------------------------------------------------------ a store that cannot write


def test_serve_with_an_unwritable_store_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    from soundloom.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = main(
        ["serve", "--store", str(blocker / "store"), "--grpc-port", "0", "--http-port", "0"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "--store" in err and str(blocker) in err
    assert "Traceback" not in err


def test_a_full_disk_is_unavailable_naming_the_store_and_health_says_so(
    start_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from soundloom_server.service import store as store_module

    server = start_server()
    full = OSError(errno.ENOSPC, "No space left on device")

    def no_space(*args: Any, **kwargs: Any) -> None:
        raise full

    monkeypatch.setattr(store_module.AssetStore, "_commit", no_space)
    monkeypatch.setattr(store_module.AssetStore, "_probe", no_space)
    status, _, answer = call(server, "/v1/generate", _beds(1, 1.0))
    assert status == 503, answer
    message = json.loads(answer)["error"]["message"]
    assert str(server.config.store) in message and "No space left" in message
    assert call(server, "/healthz")[0] == 503
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.grpc_target))

    def grpc_health() -> int:
        return health.Check(health_pb2.HealthCheckRequest(), timeout=5).status

    assert _eventually(grpc_health) == 2  # NOT_SERVING
    monkeypatch.undo()  # the disk has room again: health and renders come back
    assert _eventually(lambda: call(server, "/healthz")[0], until=200) == 200
    assert call(server, "/v1/generate", _beds(1, 1.0))[0] == 200


def _eventually(probe: Any, until: int = 2, polls: int = 600) -> int:
    """The probe's value once it reads `until`, or its last value after `polls` tries (a bound
    on waiting, not a speed target: the assertion is on the state reached)."""
    value = probe()
    for _ in range(polls):
        if value == until:
            break
        time.sleep(0.1)
        value = probe()
    return value


# ------------------------------------------------------------------ connections


def _connect(server_url: str) -> Any:
    import socket

    host, port = server_url.rsplit("/", 1)[-1].split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _closed_by_server(sock: Any, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_idle_and_half_sent_connections_are_closed(start_server: Any) -> None:
    server = start_server(idle_timeout_s=0.5)
    idle = _connect(server.http_url)
    half = _connect(server.http_url)
    half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    try:
        assert _closed_by_server(idle, 5.0)
        assert _closed_by_server(half, 5.0)
    finally:
        idle.close()
        half.close()


def test_many_idle_sockets_do_not_lock_out_a_new_client(tmp_path: Path) -> None:
    import resource
    import subprocess
    import sys
    import time

    def low_fd_limit() -> None:  # the server runs out of descriptors quickly, as under attack
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    command = [sys.executable, "-m", "soundloom.cli", "serve", "--store", str(tmp_path / "s")]
    command += ["--grpc-port", "0", "--http-port", "0", "--workers", "1"]  # default cap
    serve = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=low_fd_limit,
    )
    sockets = []
    try:
        line = serve.stdout.readline()  # "soundloom serve: grpc HOST:PORT http URL"
        grpc_target, http_url = line.split()[3], line.split()[5]
        for _ in range(400):  # more than the server's descriptors
            try:
                sockets.append(_connect(http_url))
            except OSError:
                break
        time.sleep(0.5)
        with urllib_request(http_url + "/healthz") as response:
            assert response.status == 200
        stub = pb_grpc.SoundloomStub(grpc.insecure_channel(grpc_target))
        assert stub.ListBackends(pb.ListBackendsRequest(), timeout=10).backends
        assert serve.poll() is None
    finally:
        for sock in sockets:
            sock.close()
        serve.terminate()
        serve.wait(timeout=30)


def urllib_request(url: str) -> Any:
    import urllib.request

    return urllib.request.urlopen(url, timeout=10)


# ------------------------------------------------------------------ cancellation inside a render


def _cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _long_beds() -> pb.GenerateSceneRequest:
    events = [
        pb.Event(
            id=f"{name}-1", kind=pb.EVENT_KIND_AMBIENCE, caption=name, recipe=name, duration_s=600
        )
        for name in ("wind", "stream")
    ]
    return pb.GenerateSceneRequest(
        plan=pb.ScenePlan(duration_s=600, events=events),
        options=pb.RenderOptions(seed=77, format=pb.AUDIO_FORMAT_WAV),
    )


def _cpu_after(settle_s: float = 0.5, window_s: float = 2.0) -> float:
    import time

    time.sleep(settle_s)  # the goal: the render stops within this
    before = _cpu_s()
    time.sleep(window_s)
    return _cpu_s() - before


def test_a_passed_deadline_stops_the_render_inside_long_beds(start_server: Any) -> None:
    server = start_server(workers=1)
    stub = pb_grpc.SoundloomStub(grpc.insecure_channel(server.grpc_target))
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.GenerateScene(_long_beds(), timeout=1.0))
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    burned = _cpu_after()
    assert burned < 0.3, f"the abandoned render burned {burned:.2f} CPU-s after stopping"
    assert server.metrics.renders.value("cancelled") == 1


def test_a_client_that_disconnects_stops_the_render(start_server: Any) -> None:
    import time

    server = start_server(workers=1)
    body = json.dumps(
        {
            "plan": {
                "duration_s": 600,
                "events": [
                    {
                        "id": "w",
                        "kind": "EVENT_KIND_AMBIENCE",
                        "caption": "wind",
                        "recipe": "wind",
                        "duration_s": 600,
                    }
                ],
            },
            "options": {"seed": "78"},
        }
    ).encode()
    sock = _connect(server.http_url)
    sock.sendall(
        b"POST /v1/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    time.sleep(1.0)  # the render is under way
    sock.close()
    burned = _cpu_after()
    assert burned < 0.3, f"the abandoned render burned {burned:.2f} CPU-s after the client left"
