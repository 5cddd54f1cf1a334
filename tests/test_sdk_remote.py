"""Remote mode's guarantees: offline cache hits, tokens, deadlines, retries that honour Retry-After.

Retries are exercised against a real gRPC server on 127.0.0.1 whose ListBackends refuses the first
calls with RESOURCE_EXHAUSTED / UNAVAILABLE (as a full server does), then answers.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

import soundloom
from soundloom import AssetCache, AsyncClient, Client, RetryPolicy
from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

SR = 16000
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.02, max_backoff_s=0.05)


class Refusing(pb_grpc.SoundloomServicer):
    """Fails the first `failures` ListBackends calls with `code`, then answers; times each call."""

    def __init__(self, code: grpc.StatusCode, failures: int, retry_after: str = "") -> None:
        self.code, self.failures, self.retry_after = code, failures, retry_after
        self.calls: list[float] = []
        self.plan_deadlines: list[float | None] = []
        self.release = threading.Event()

    def ListBackends(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.failures:
            if self.retry_after:
                context.set_trailing_metadata((("retry-after", self.retry_after),))
            context.abort(self.code, f"busy: call {len(self.calls)}")
        return pb.ListBackendsResponse(
            backends=[pb.Backend(name="rules", kind=pb.BACKEND_KIND_PLANNER, available=True)]
        )

    def PlanScene(self, request: Any, context: grpc.ServicerContext) -> Any:
        # What the server sees of the client's deadline; then answer only when released.
        self.plan_deadlines.append(context.time_remaining())
        self.release.wait(10)
        return pb.PlanSceneResponse()


@dataclass(frozen=True)
class _RecordingPolicy(RetryPolicy):
    """A RetryPolicy that notes every pause it hands out (what the client was told to wait)."""

    asked: list[float] = field(default_factory=list)

    def delay(self, attempt: int, retry_after_s: float = 0.0) -> float:
        pause = super().delay(attempt, retry_after_s)
        self.asked.append(pause)
        return pause


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the client sleeps between attempts (blocking or awaited), still slept."""
    pauses: list[float] = []
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        real_sleep(seconds)

    async def async_sleep(seconds: float) -> None:
        pauses.append(seconds)
        await real_async_sleep(seconds)

    # Only the client module's view of `time` and `asyncio` changes, not the modules themselves.
    monkeypatch.setattr(soundloom.remote, "time", _Replacing(time, sleep=sleep))
    monkeypatch.setattr(soundloom.remote, "asyncio", _Replacing(asyncio, sleep=async_sleep))
    return pauses


class _Replacing:
    """A module as one importer sees it, with some of its attributes replaced."""

    def __init__(self, module: Any, **replaced: Any) -> None:
        self._module, self._replaced = module, replaced

    def __getattr__(self, name: str) -> Any:
        return self._replaced.get(name) or getattr(self._module, name)


@pytest.fixture
def refusing() -> Iterator[Any]:
    """Start a Refusing servicer on an ephemeral port: refusing(code, failures, retry_after)."""
    servers: list[grpc.Server] = []

    def start(code: grpc.StatusCode, failures: int, retry_after: str = "") -> tuple[str, Refusing]:
        servicer = Refusing(code, failures, retry_after)
        server = grpc.server(ThreadPoolExecutor(4), options=[("grpc.so_reuseport", 0)])
        pb_grpc.add_SoundloomServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        assert port != 0
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}", servicer

    yield start
    for server in servers:
        server.stop(None)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_resource_exhausted_is_retried_after_the_servers_retry_after(
    refusing: Any, slept: list[float], flavour: str
) -> None:
    target, servicer = refusing(grpc.StatusCode.RESOURCE_EXHAUSTED, 2, retry_after="0.3")
    backends = _backends(flavour, target, RetryPolicy(max_attempts=4, initial_backoff_s=0.01))
    assert [b.name for b in backends] == ["rules"]
    assert len(servicer.calls) == 3
    pauses = [p for p in slept if p > 0]
    assert len(pauses) == 2
    assert all(pause >= 0.3 for pause in pauses), pauses  # never sooner than the server asked


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_unavailable_is_retried_with_growing_backoff(
    refusing: Any, slept: list[float], flavour: str
) -> None:
    target, servicer = refusing(grpc.StatusCode.UNAVAILABLE, 3)
    policy = _RecordingPolicy(max_attempts=4, initial_backoff_s=0.1, multiplier=2.0)
    _backends(flavour, target, policy)
    assert len(servicer.calls) == 4
    # Equal jitter: retry n asks to wait between half and all of 0.1 * 2**n ...
    assert len(policy.asked) == 3
    for n, pause in enumerate(policy.asked):
        assert 0.05 * 2**n <= pause <= 0.1 * 2**n, policy.asked
    # ... and does wait that long between attempts.
    pauses = [p for p in slept if p > 0]
    assert pauses == policy.asked, (pauses, policy.asked)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_exhausted_retries_raise_the_typed_error_with_the_servers_message(
    refusing: Any, flavour: str
) -> None:
    target, servicer = refusing(grpc.StatusCode.RESOURCE_EXHAUSTED, 10)
    with pytest.raises(soundloom.ResourceExhausted, match="busy: call 3"):
        _backends(flavour, target, FAST_RETRY)
    assert len(servicer.calls) == 3


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_other_errors_are_not_retried(refusing: Any, flavour: str) -> None:
    target, servicer = refusing(grpc.StatusCode.INVALID_ARGUMENT, 10)
    with pytest.raises(soundloom.InvalidArgument, match="busy: call 1") as caught:
        _backends(flavour, target, FAST_RETRY)
    assert caught.value.field == "busy:"
    assert len(servicer.calls) == 1


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_call_has_a_deadline(refusing: Any, flavour: str, tmp_path: Path) -> None:
    target, servicer = refusing(grpc.StatusCode.OK, 0)
    with pytest.raises(soundloom.DeadlineExceeded):
        if flavour == "sync":
            with Client(target, cache=AssetCache(tmp_path)) as client:
                client.plan("rain", timeout=0.3)
        else:

            async def plan() -> None:
                async with AsyncClient(target, cache=AssetCache(tmp_path)) as client:
                    await client.plan("rain", timeout=0.3)

            asyncio.run(plan())
    servicer.release.set()
    [remaining] = servicer.plan_deadlines
    # The 0.3 s asked for, not the plan's default limit; gRPC carries a deadline at its own
    # clock's granularity (0.30035 s has been seen), so this is not a bound on time taken.
    assert remaining is not None and 0.0 < remaining < 1.0, "the call carried its deadline"


def _backends(flavour: str, target: str, retry: RetryPolicy) -> list[Any]:
    if flavour == "sync":
        with Client(target, retry=retry, cache=False) as client:
            return client.backends(timeout=5.0)

    async def run() -> list[Any]:
        async with AsyncClient(target, retry=retry, cache=False) as client:
            return await client.backends(timeout=5.0)

    return asyncio.run(run())


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_cached_generate_works_with_the_server_stopped(
    start_server: Any, server_loop: Any, flavour: str, tmp_path: Path
) -> None:
    server = start_server(http_port=-1)
    cache = AssetCache(tmp_path / "cache")
    kwargs = {"duration": 1.0, "sample_rate": SR, "seed": 5}
    first = _generate(flavour, server.grpc_target, cache, "a cupboard door slams", kwargs)
    server_loop.run(server.stop(0.1))
    again = _generate(flavour, server.grpc_target, cache, "a cupboard door slams", kwargs)
    assert again.cache_hit and again.key == first.key and again.path.exists()
    with pytest.raises(soundloom.Unavailable):
        _generate(
            flavour, server.grpc_target, cache, "a cupboard door slams", {**kwargs, "seed": 6}
        )


def _generate(
    flavour: str, target: str, cache: AssetCache, scene: str, kwargs: dict[str, Any]
) -> Any:
    if flavour == "sync":
        with Client(target, cache=cache, retry=FAST_RETRY) as client:
            return client.generate(scene, timeout=30, **kwargs)

    async def run() -> Any:
        async with AsyncClient(target, cache=cache, retry=FAST_RETRY) as client:
            return await client.generate(scene, timeout=30, **kwargs)

    return asyncio.run(run())


def test_a_token_is_sent_and_a_missing_one_is_a_typed_error(
    start_server: Any, tmp_path: Path
) -> None:
    server = start_server(token="s3cret", http_port=-1)
    with (
        Client(server.grpc_target, cache=AssetCache(tmp_path)) as client,
        pytest.raises(soundloom.Unauthenticated, match="missing authorization"),
    ):
        client.backends()
    with Client(server.grpc_target, token="s3cret", cache=AssetCache(tmp_path)) as client:
        asset = client.generate("a clock ticks", duration=1.0, sample_rate=SR)
        assert asset.path.exists() and not asset.cache_hit
