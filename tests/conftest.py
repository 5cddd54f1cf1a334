"""Shared fixtures: real Soundloom servers on 127.0.0.1 with ephemeral ports.

Every in-process server runs on one event loop in a background thread (grpc.aio wants a single
loop per process); tests talk to it with real gRPC channels and real HTTP requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class LoopThread:
    """An asyncio event loop running in a daemon thread; run coroutines on it from tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@pytest.fixture(autouse=True)
def own_asset_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> Path:
    """Each test's SDK and CLI caches in a folder of its own: no test hits another's asset,
    and nothing lands in the user's cache."""
    folder = tmp_path_factory.mktemp("asset-cache")
    monkeypatch.setenv("SOUNDLOOM_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def server_loop() -> Iterator[LoopThread]:
    """The one event loop every in-process test server runs on."""
    loop = LoopThread()
    yield loop
    loop.loop.call_soon_threadsafe(loop.loop.stop)


@pytest.fixture(scope="session")
def start_server(
    server_loop: LoopThread, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Any]]:
    """A factory: start_server(**ServerConfig fields) -> a started SoundloomServer."""
    from soundloom_server.service.server import ServerConfig, SoundloomServer

    started: list[SoundloomServer] = []

    def start(**overrides: Any) -> SoundloomServer:
        fields: dict[str, Any] = {"grpc_port": 0, "http_port": 0, "workers": 2, "grace_s": 2.0}
        fields.update(overrides)
        fields.setdefault("store", tmp_path_factory.mktemp("store"))
        server = server_loop.run(_make(ServerConfig(**fields)))
        started.append(server)
        return server

    async def _make(config: ServerConfig) -> SoundloomServer:
        server = SoundloomServer(config)
        await server.start()
        return server

    yield start
    for server in started:
        with contextlib.suppress(Exception):
            server_loop.run(server.stop(0.5))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A server certificate for 127.0.0.1 and localhost from a fresh CA: (cert, key, ca) PEMs."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert.private_key_pem.write_to_path(folder / "key.pem")
    cert.cert_chain_pems[0].write_to_path(folder / "cert.pem")
    ca.cert_pem.write_to_path(folder / "ca.pem")
    return folder / "cert.pem", folder / "key.pem", folder / "ca.pem"


@pytest.fixture(scope="session")
def server(start_server: Callable[..., Any]) -> Any:
    """A plain server (no token, no TLS) shared by the tests that need nothing special."""
    return start_server()


def store_dir(server: Any) -> Path:
    """The server's asset store directory."""
    return Path(server.config.store)
