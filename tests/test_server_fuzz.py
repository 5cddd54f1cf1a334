"""Bounded fuzz of both transports: any bytes in, only documented answers out (never a 500)."""

from __future__ import annotations

import http.client
import json
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = 2000
# What a client may be answered, as the README and the proto document them.
HTTP_DOCUMENTED = {200, 400, 401, 404, 405, 413, 429, 499, 503, 504}
GRPC_DOCUMENTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
}
FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# Field names the messages really have, so bodies reach past the JSON parser into validation.
known_keys = st.sampled_from(
    ["scene", "plan", "options", "description", "duration_s", "events", "seed", "sample_rate",
     "format", "loudness", "recipe", "kind", "id", "caption", "start_s", "params", "planner"]
)  # fmt: skip
shaped = st.recursive(
    json_values,
    lambda inner: st.dictionaries(known_keys, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=16,
)
bodies = st.one_of(
    st.binary(max_size=300),
    shaped.map(lambda v: json.dumps(v).encode()),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
charsets = st.sampled_from(
    ["", "; charset=utf-8", "; charset=latin-1", "; charset=nope", "; charset=utf-16"]
)


@pytest.fixture(scope="module")
def fuzzed(start_server: Any) -> Any:
    return start_server(workers=1, max_queue=2)


@pytest.fixture(scope="module")
def connection(fuzzed: Any) -> Any:
    host, port = fuzzed.http_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    yield conn
    conn.close()


def _post(
    conn: http.client.HTTPConnection, path: str, body: bytes, ctype: str
) -> tuple[int, bytes]:
    headers = {"Content-Type": f"application/json{ctype}", "X-Request-Timeout": "0.2"}
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (http.client.HTTPException, ConnectionError):
        conn.close()  # the server may close a connection it refused; open a new one
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()


@FUZZ
@given(path=st.sampled_from(["/v1/plan", "/v1/generate"]), body=bodies, ctype=charsets)
def test_http_bodies_get_only_documented_answers(
    connection: http.client.HTTPConnection, path: str, body: bytes, ctype: str
) -> None:
    status, answer = _post(connection, path, body, ctype)
    assert status in HTTP_DOCUMENTED, (status, answer[:300])
    if status >= 400:
        error = json.loads(answer)["error"]
        assert error["status"] not in ("INTERNAL", "UNKNOWN") and error["message"]


@pytest.fixture(scope="module")
def channel(fuzzed: Any) -> Any:
    with grpc.insecure_channel(fuzzed.grpc_target) as chan:
        yield chan


@FUZZ
@given(
    method=st.sampled_from(["PlanScene", "GenerateScene", "StatAsset", "GetAsset"]),
    data=st.binary(max_size=200),
)
def test_grpc_bytes_get_only_documented_codes(
    channel: grpc.Channel, method: str, data: bytes
) -> None:
    path = f"/soundloom.v1.Soundloom/{method}"
    streaming = method in ("GenerateScene", "GetAsset")
    rpc = (channel.unary_stream if streaming else channel.unary_unary)(path)
    try:
        answer = rpc(data, timeout=0.5)
        if streaming:
            for _ in answer:
                pass
    except grpc.RpcError as error:
        assert error.code() in GRPC_DOCUMENTED, (error.code(), error.details())
        assert "Error" not in (error.details() or "").split(":")[0]  # no exception class names
