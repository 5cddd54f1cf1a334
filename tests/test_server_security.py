"""Bearer tokens and TLS on both transports, against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from test_server_grpc import assemble, generate, scene_request
from test_server_http import call

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded(start_server: Any) -> Any:
    return start_server(token=TOKEN)


def test_grpc_requires_the_token(guarded: Any) -> None:
    stub = pb_grpc.SoundloomStub(grpc.insecure_channel(guarded.grpc_target))
    request = pb.ListBackendsRequest()
    for metadata, reason in (
        ((), "missing authorization"),
        ((("authorization", "Bearer nope"),), "wrong token"),
        ((("authorization", TOKEN),), "malformed authorization"),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListBackends(request, metadata=metadata, timeout=5)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert caught.value.details().startswith(reason)
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.GenerateScene(scene_request(1), timeout=5))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    good = (("authorization", f"Bearer {TOKEN}"),)
    assert stub.ListBackends(request, metadata=good, timeout=5).backends
    # Health checks stay open to load balancers.
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(guarded.grpc_target))
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1


def test_http_requires_the_token(guarded: Any) -> None:
    status, headers, body = call(guarded, "/v1/backends")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(body)["error"]["status"] == "UNAUTHENTICATED"
    status, _, body = call(guarded, "/v1/backends", headers={"Authorization": "Bearer nope"})
    assert status == 401 and json.loads(body)["error"]["message"] == "wrong token"
    status, _, _ = call(guarded, "/v1/backends", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert call(guarded, "/healthz")[0] == 200


def test_tls_on_both_transports(start_server: Any, tls_files: tuple[Path, Path, Path]) -> None:
    cert, key, ca = tls_files
    server = start_server(tls_cert=cert, tls_key=key, token=TOKEN)
    assert server.http_url.startswith("https://")
    credentials = grpc.ssl_channel_credentials(root_certificates=ca.read_bytes())
    channel = grpc.secure_channel(server.grpc_target, credentials)
    stub = pb_grpc.SoundloomStub(channel)
    good = (("authorization", f"Bearer {TOKEN}"),)
    messages = list(stub.GenerateScene(scene_request(404), metadata=good, timeout=30))
    info = next(m.asset for m in messages if m.WhichOneof("update") == "asset")
    assert len(assemble(messages)[0]) == info.size_bytes
    # A client that does not trust the certificate is refused.
    untrusting = pb_grpc.SoundloomStub(
        grpc.secure_channel(server.grpc_target, grpc.ssl_channel_credentials())
    )
    with pytest.raises(grpc.RpcError) as caught:
        untrusting.ListBackends(pb.ListBackendsRequest(), metadata=good, timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    context = ssl.create_default_context(cafile=str(ca))
    request = urllib.request.Request(
        f"{server.http_url}/v1/assets/{info.asset_id}/meta",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        assert json.loads(response.read())["sha256"] == info.sha256
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.http_url}/healthz", timeout=10)
    # Plain-text clients get nowhere either.
    plain = pb_grpc.SoundloomStub(grpc.insecure_channel(server.grpc_target))
    with pytest.raises(grpc.RpcError):
        generate(plain, scene_request(405))
