"""Gateway support for game clients: opt-in CORS and a render's progress over plain HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from soundloom.v1 import soundloom_pb2 as pb

TIMEOUT_S = 60.0
ORIGIN = "http://127.0.0.1:8060"
PIPELINE = [
    "STAGE_PLAN",
    "STAGE_RENDER",
    "STAGE_MIX",
    "STAGE_MASTER",
    "STAGE_PACKAGE",
    "STAGE_ENCODE",
]


def call(
    url: str,
    method: str = "GET",
    body: dict[str, Any] | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, bytes]:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def scene(seed: int, description: str = "rain on a tin roof, then a door slams") -> dict:
    return {"scene": {"description": description, "duration_s": 3}, "options": {"seed": str(seed)}}


@pytest.fixture(scope="module")
def cors_server(start_server: Any) -> Any:
    return start_server(cors_origins=(ORIGIN,), token="s3cret")


def preflight(server: Any, origin: str, path: str = "/v1/generate") -> tuple[int, Any, bytes]:
    return call(
        server.http_url + path,
        "OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_preflight_from_the_allowed_origin_is_answered_without_a_token(cors_server: Any) -> None:
    status, headers, body = preflight(cors_server, ORIGIN)
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "x-request-timeout" in allowed and "if-none-match" in allowed
    assert int(headers["Access-Control-Max-Age"]) > 0


def test_preflight_from_another_origin_gets_no_cors_headers(cors_server: Any) -> None:
    status, headers, _ = preflight(cors_server, "http://evil.example")
    assert status != 204  # falls through to the route: no token, so 401
    assert "Access-Control-Allow-Origin" not in headers


def test_answers_to_the_allowed_origin_carry_the_headers_errors_included(cors_server: Any) -> None:
    auth = {"Authorization": "Bearer s3cret", "Origin": ORIGIN}
    status, headers, _ = call(cors_server.http_url + "/v1/backends", headers=auth)
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Retry-After" in exposed
    assert "Origin" in headers["Vary"]
    status, headers, body = call(cors_server.http_url + "/v1/backends", headers={"Origin": ORIGIN})
    assert status == 401 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert json.loads(body)["error"]["status"] == "UNAUTHENTICATED"
    other = {"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}
    _, headers, _ = call(cors_server.http_url + "/v1/backends", headers=other)
    assert "Access-Control-Allow-Origin" not in headers


def test_without_cors_origin_there_are_no_cors_headers_and_no_preflight(server: Any) -> None:
    status, headers, _ = preflight(server, ORIGIN)
    assert status == 405 and "Access-Control-Allow-Origin" not in headers
    _, headers, _ = call(server.http_url + "/v1/backends", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in headers and "Vary" not in headers


def test_star_allows_any_origin(start_server: Any) -> None:
    server = start_server(cors_origins=("*",))
    status, headers, _ = preflight(server, "http://anything.example:1234")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "http://anything.example:1234"


def lines(body: bytes) -> list[dict[str, Any]]:
    assert body.endswith(b"\n")
    return [json.loads(line) for line in body.decode().splitlines()]


def test_progress_stream_gives_stages_in_pipeline_order_and_ends_with_the_asset(
    server: Any,
) -> None:
    status, headers, body = call(
        server.http_url + "/v1/generate/stream", "POST", scene(911), {"X-Request-Timeout": "60"}
    )
    assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
    updates = lines(body)
    kinds = [next(k for k in u if k != "asset_url") for u in updates]
    assert kinds[0] == "accepted" and kinds[-3:] == ["plan", "asset", "done"]
    assert set(kinds[1:-3]) == {"progress"}
    asset_id = updates[0]["accepted"]["asset_id"]
    assert updates[0]["asset_url"] == f"/v1/assets/{asset_id}"
    stages = [u["progress"]["stage"] for u in updates[1:-3]]
    order = [pb.Stage.Value(s) for s in stages]
    assert order == sorted(order), stages  # pipeline order, never back
    assert [s for s in PIPELINE if s in stages] == PIPELINE  # every stage is reported
    for stage in set(stages):
        fractions = [
            u["progress"]["fraction"]
            for u in updates
            if u.get("progress", {}).get("stage") == stage
        ]
        assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] <= 1
    asset = updates[-2]["asset"]
    assert asset["asset_id"] == asset_id and asset["files"]
    assert updates[-1]["done"]["cache_hit"] is False
    status, _, data = call(server.http_url + f"/v1/assets/{asset_id}")
    assert status == 200 and len(data) == int(asset["size_bytes"])


def test_progress_stream_matches_the_grpc_stream_stages(server: Any) -> None:
    import grpc

    from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

    body = scene(912, "wind in the trees, footsteps on gravel")
    _, _, raw = call(server.http_url + "/v1/generate/stream", "POST", body)
    http_stages = [u["progress"]["stage"] for u in lines(raw) if "progress" in u]
    request = pb.GenerateSceneRequest(
        scene=pb.SceneRequest(description=body["scene"]["description"], duration_s=3),
        options=pb.RenderOptions(seed=913),
    )
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = pb_grpc.SoundloomStub(channel)
        grpc_stages = [
            pb.Stage.Name(u.progress.stage)
            for u in stub.GenerateScene(request, timeout=TIMEOUT_S)
            if u.WhichOneof("update") == "progress"
        ]
    assert sorted(set(http_stages)) == sorted(set(grpc_stages))
    assert list(dict.fromkeys(http_stages)) == list(dict.fromkeys(grpc_stages))


def test_cached_scene_streams_accepted_plan_asset_done(server: Any) -> None:
    url = server.http_url + "/v1/generate/stream"
    call(url, "POST", scene(914))
    _, _, body = call(url, "POST", scene(914))
    updates = lines(body)
    assert [next(iter(u)) for u in updates] == ["accepted", "plan", "asset", "done"]
    assert updates[-1]["done"]["cache_hit"] is True


def test_invalid_request_is_a_plain_400_with_the_field_named(server: Any) -> None:
    bad = {"scene": {"description": "rain", "duration_s": -1}}
    status, headers, body = call(server.http_url + "/v1/generate/stream", "POST", bad)
    assert status == 400 and headers["Content-Type"].startswith("application/json")
    assert "duration_s" in json.loads(body)["error"]["message"]


def test_error_after_the_stream_began_is_its_last_line(server: Any) -> None:
    # A deadline too short for the render: accepted was sent, then the deadline passes.
    status, _, body = call(
        server.http_url + "/v1/generate/stream",
        "POST",
        {"scene": {"description": "a long storm at sea", "duration_s": 120}, "options": {}},
        {"X-Request-Timeout": "0.05"},
    )
    assert status == 200
    updates = lines(body)
    assert "accepted" in updates[0]
    assert updates[-1]["error"]["status"] == "DEADLINE_EXCEEDED"


def test_cors_origin_flag_is_validated() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "soundloom.cli", "serve", "--cors-origin", "http://x.example/path"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--cors-origin" in result.stderr
