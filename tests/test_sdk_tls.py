"""The SDK over TLS: a client that trusts the server's CA works; one that does not is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from soundloom import AssetCache, AsyncClient, Client, RetryPolicy, Unavailable

TOKEN = "tls-test-token"
NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture(scope="module")
def tls_server(start_server: Any, tls_files: tuple[Path, Path, Path]) -> tuple[Any, Path]:
    cert, key, ca = tls_files
    return start_server(tls_cert=cert, tls_key=key, token=TOKEN), ca


def test_sync_and_async_clients_generate_over_tls(tls_server: Any, tmp_path: Path) -> None:
    server, ca = tls_server
    cache = AssetCache(tmp_path / "cache")
    with Client(server.grpc_target, token=TOKEN, tls=ca, cache=cache) as client:
        asset = client.generate("a door creaks", duration=1.5, seed=11)
    assert asset.path.is_file() and asset.duration_s == pytest.approx(1.5)

    async def remote_async() -> tuple[str, bytes]:
        async with AsyncClient(
            server.grpc_target, token=TOKEN, tls=ca.read_bytes(), cache=False
        ) as client:
            again = await client.generate("a door creaks", duration=1.5, seed=11)
            return again.key, again.path.read_bytes()  # no cache: files live as long as the client

    key, data = asyncio.run(remote_async())
    assert key == asset.key and data == asset.path.read_bytes()


def test_a_client_that_does_not_trust_the_certificate_is_refused(
    tls_server: Any, tmp_path: Path
) -> None:
    server, _ = tls_server
    with (
        Client(server.grpc_target, token=TOKEN, tls=True, cache=False, retry=NO_RETRY) as client,
        pytest.raises(Unavailable),
    ):
        client.backends()
    with (
        Client(server.grpc_target, token=TOKEN, cache=False, retry=NO_RETRY) as plain,
        pytest.raises(Unavailable),
    ):
        plain.backends()
