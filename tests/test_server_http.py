"""The HTTP/JSON gateway against a real server on 127.0.0.1: JSON mapping, ETag, Range, errors."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

TIMEOUT_S = 30.0


def call(
    server: Any,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request: (status, headers, body); errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.http_url + path, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def generate_body(seed: int, **options: Any) -> dict[str, Any]:
    """A short scene in proto3 JSON."""
    return {
        "scene": {"description": "wind in the trees, footsteps on gravel", "duration_s": 2},
        "options": {"seed": str(seed), **options},
    }


@pytest.fixture(scope="module")
def generated(server: Any) -> dict[str, Any]:
    status, _, body = call(server, "/v1/generate", generate_body(301))
    assert status == 200, body
    return json.loads(body)


def test_generate_returns_asset_info_and_url(generated: dict[str, Any]) -> None:
    asset = generated["asset"]
    assert generated["asset_url"] == f"/v1/assets/{asset['asset_id']}"
    assert asset["format"] == "AUDIO_FORMAT_OGG" and asset["mime_type"] == "audio/ogg"
    assert int(asset["size_bytes"]) > 0  # uint64 is a JSON string in the proto3 mapping
    assert generated["plan"]["events"]
    assert generated["done"]["cache_hit"] is False


def test_second_identical_generate_is_a_cache_hit(server: Any, generated: Any) -> None:
    status, _, body = call(server, "/v1/generate", generate_body(301))
    assert status == 200
    again = json.loads(body)
    assert again["done"]["cache_hit"] is True
    assert again["asset"] == generated["asset"]


def test_asset_bytes_match_the_announced_sha256(server: Any, generated: Any) -> None:
    status, headers, body = call(server, generated["asset_url"])
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == generated["asset"]["sha256"]
    assert headers["ETag"] == f'"{generated["asset"]["sha256"]}"'
    assert headers["Content-Type"] == "audio/ogg"
    assert headers["Accept-Ranges"] == "bytes"


def test_matching_etag_is_304(server: Any, generated: Any) -> None:
    etag = f'"{generated["asset"]["sha256"]}"'
    status, headers, body = call(server, generated["asset_url"], headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag
    other = {"If-None-Match": '"0000"'}
    assert call(server, generated["asset_url"], headers=other)[0] == 200


@pytest.mark.parametrize(
    ("header", "span"),
    [("bytes=0-99", (0, 100)), ("bytes=100-", (100, None)), ("bytes=-50", (-50, None))],
)
def test_range_is_206_with_exactly_those_bytes(
    server: Any, generated: Any, header: str, span: tuple[int, int | None]
) -> None:
    whole = call(server, generated["asset_url"])[2]
    status, headers, body = call(server, generated["asset_url"], headers={"Range": header})
    assert status == 206
    expected = whole[span[0] : span[1]]
    assert body == expected
    start = span[0] % len(whole)
    assert headers["Content-Range"] == f"bytes {start}-{start + len(body) - 1}/{len(whole)}"


def test_unsatisfiable_range_is_416(server: Any, generated: Any) -> None:
    size = int(generated["asset"]["size_bytes"])
    status, headers, _ = call(
        server, generated["asset_url"], headers={"Range": f"bytes={size + 10}-"}
    )
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"


def test_sidecar_by_file_name_and_meta(server: Any, generated: Any) -> None:
    sidecar = generated["asset"]["files"][-1]
    status, headers, body = call(server, f"{generated['asset_url']}?file={sidecar['name']}")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert hashlib.sha256(body).hexdigest() == sidecar["sha256"]
    assert json.loads(body)["cache_key"] == generated["asset_id"]
    status, _, meta = call(server, f"{generated['asset_url']}/meta")
    assert status == 200 and json.loads(meta) == generated["asset"]


def test_plan(server: Any) -> None:
    status, _, body = call(server, "/v1/plan", {"scene": {"description": "a campfire, 4 s"}})
    assert status == 200
    plan = json.loads(body)["plan"]
    assert plan["duration_s"] == 4 and plan["events"][0]["kind"].startswith("EVENT_KIND_")


def test_lower_camel_case_names_are_accepted(server: Any) -> None:
    body = {"scene": {"description": "a campfire", "durationS": 1.5}}
    status, _, reply = call(server, "/v1/plan", body)
    assert status == 200 and json.loads(reply)["plan"]["duration_s"] == 1.5


def test_invalid_field_is_400_with_the_grpc_message(server: Any) -> None:
    body = generate_body(302, sample_rate=12345)
    status, _, reply = call(server, "/v1/generate", body)
    error = json.loads(reply)["error"]
    assert status == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("options.sample_rate must be one of")


def test_malformed_json_and_unknown_fields_are_400(server: Any) -> None:
    status, _, reply = call(server, "/v1/plan", {"scene": {"descripton": "typo"}})
    assert status == 400 and json.loads(reply)["error"]["message"].startswith("body ")


def test_traversal_id_is_400_and_unknown_id_404(server: Any) -> None:
    status, _, reply = call(server, "/v1/assets/..%2F..%2Fetc%2Fpasswd")
    error = json.loads(reply)["error"]
    assert status == 400 and error["message"].startswith("asset_id must be 64 lowercase hex")
    status, _, reply = call(server, "/v1/assets/" + "ab" * 32)
    assert status == 404 and json.loads(reply)["error"]["status"] == "NOT_FOUND"


def test_healthz_backends_and_metrics(server: Any, generated: Any) -> None:
    status, _, body = call(server, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "SERVING"}
    status, _, body = call(server, "/v1/backends")
    assert status == 200 and json.loads(body)["backends"]
    status, headers, body = call(server, "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for name in (
        "soundloom_requests_total{",
        "soundloom_render_seconds_bucket{",
        "soundloom_queue_depth ",
        'soundloom_cache_requests_total{result="hit"}',
        'soundloom_cache_requests_total{result="miss"}',
        "soundloom_time_to_first_chunk_seconds_bucket{",
    ):
        assert name in text, name
