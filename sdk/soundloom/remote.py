"""Remote mode: the Soundloom gRPC service, sync (`grpc`) and async (`grpc.aio`), same shape.

Every call has a deadline. UNAVAILABLE and RESOURCE_EXHAUSTED are retried with exponential
backoff and jitter, waiting at least the server's `retry-after` (trailing metadata) when it sends
one, and never past the call's deadline. Other failures become the SDK's typed exceptions with
the server's message kept verbatim.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc

from soundloom.errors import DeadlineExceeded, InternalError, SoundloomError, error_for_status
from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.plan_proto import STAGE_FROM_PROTO

T = TypeVar("T")
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
STAGE_NAMES = STAGE_FROM_PROTO
ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How UNAVAILABLE and RESOURCE_EXHAUSTED are retried: exponential backoff with jitter."""

    max_attempts: int = 5
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 5.0
    multiplier: float = 2.0

    def delay(self, attempt: int, retry_after_s: float = 0.0) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        ceiling = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier**attempt)
        # "Equal jitter": at least half the backoff, so retries never bunch up near zero.
        backoff = ceiling / 2 + random.uniform(0.0, ceiling / 2)
        if retry_after_s > 0:
            # The server said when to come back: wait that long, plus jitter so callers spread.
            return retry_after_s + random.uniform(0.0, min(retry_after_s, ceiling) / 2)
        return backoff


def channel_credentials(tls: bool | str | Path | bytes) -> grpc.ChannelCredentials | None:
    """None for plaintext; else TLS with the system roots or the given PEM (bytes or file)."""
    if tls is False or tls is None:
        return None
    if tls is True:
        return grpc.ssl_channel_credentials()
    pem = tls if isinstance(tls, bytes) else Path(tls).read_bytes()
    return grpc.ssl_channel_credentials(root_certificates=pem)


def retry_after_of(error: grpc.RpcError) -> float:
    """The server's `retry-after` trailing metadata, seconds (0 when absent or malformed)."""
    trailing = getattr(error, "trailing_metadata", None)
    items = trailing() if callable(trailing) else None
    for key, value in items or ():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return 0.0
    return 0.0


def typed_error(error: grpc.RpcError) -> SoundloomError:
    """The SDK exception for a failed RPC, with the server's message."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    details = error.details() if callable(getattr(error, "details", None)) else str(error)
    return error_for_status(code.name, details or code.name, retry_after_of(error))


class StreamAssembler:
    """Turns GenerateScene's messages into files in a work directory, checked by sha256."""

    def __init__(self, work: Path, progress: ProgressFn | None) -> None:
        self.work = work
        self.progress = progress
        self.asset_id = ""
        self.info: pb.AssetInfo | None = None
        self.done: pb.Done | None = None
        self._handles: dict[int, Any] = {}

    def feed(self, message: pb.GenerateSceneResponse) -> None:
        """Handle one message of the stream."""
        which = message.WhichOneof("update")
        if which == "accepted":
            self.asset_id = message.accepted.asset_id
        elif which == "progress" and self.progress is not None:
            stage = STAGE_NAMES.get(message.progress.stage, "render")
            self.progress(stage, message.progress.fraction)
        elif which == "asset":
            self.info = message.asset
            for index, entry in enumerate(self.info.files):
                if "/" in entry.name or entry.name.startswith("."):
                    raise InternalError(f"server sent an unsafe file name {entry.name!r}")
                self._handles[index] = (self.work / entry.name).open("wb")
        elif which == "chunk":
            handle = self._handles.get(message.chunk.file_index)
            if handle is None:
                raise InternalError(f"chunk for unknown file_index {message.chunk.file_index}")
            handle.seek(message.chunk.offset)
            handle.write(message.chunk.data)
        elif which == "done":
            self.done = message.done

    def finish(self) -> None:
        """Close the files and check each against the sha256 the server announced."""
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        if self.info is None or self.done is None:
            raise InternalError("GenerateScene stream ended without its asset and done messages")
        for entry in self.info.files:
            path = self.work / entry.name
            if path.stat().st_size != entry.size_bytes or file_sha256(path) != entry.sha256:
                raise InternalError(f"{entry.name} arrived corrupt (sha256 mismatch); retry")

    def abort(self) -> None:
        """Close any open file after a failure (the work directory is discarded by its owner)."""
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


def sidecar_name(info: pb.AssetInfo) -> str:
    """The sidecar's file name in an AssetInfo."""
    for entry in info.files:
        if entry.role == pb.FILE_ROLE_SIDECAR:
            return entry.name
    raise InternalError("the server's asset has no sidecar file")


def load_sidecar(work: Path, info: pb.AssetInfo) -> dict[str, Any]:
    """The parsed sidecar of a downloaded asset."""
    return json.loads((work / sidecar_name(info)).read_text())


class _Deadline:
    """A call's absolute deadline on the monotonic clock."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.at = time.monotonic() + timeout_s

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired_error(self, last: SoundloomError | None) -> SoundloomError:
        if last is not None:
            return last
        return DeadlineExceeded(f"deadline of {self.timeout_s:g} s exceeded")


class _Attempts:
    """One call's attempts within its deadline: each attempt's time left, and the pause after a
    failure (or the error, when it may not be retried or no time is left for another try)."""

    def __init__(self, timeout_s: float, retry: RetryPolicy) -> None:
        self.deadline = _Deadline(timeout_s)
        self.retry = retry
        self.last: SoundloomError | None = None

    def __iter__(self) -> Iterator[tuple[int, float]]:
        for number in range(self.retry.max_attempts):
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise self.deadline.expired_error(self.last)
            yield number, remaining

    def pause_after(self, exc: grpc.RpcError, number: int) -> float:
        """Seconds to wait before the next attempt; raises the typed error instead when the
        failure is final."""
        self.last = typed_error(exc)
        if exc.code() not in RETRYABLE or number + 1 == self.retry.max_attempts:
            raise self.last from None
        pause = self.retry.delay(number, retry_after_of(exc))
        if pause >= self.deadline.remaining():
            raise self.last from None
        return pause

    def exhausted(self) -> SoundloomError:
        """The error when every attempt is spent."""
        return self.deadline.expired_error(self.last)


class RemoteTransport:
    """Blocking calls to a Soundloom server over one gRPC channel."""

    def __init__(
        self,
        target: str,
        token: str | None = None,
        tls: bool | str | Path | bytes = False,
        retry: RetryPolicy | None = None,
    ) -> None:
        credentials = channel_credentials(tls)
        self.target = target
        self.channel = (
            grpc.secure_channel(target, credentials)
            if credentials is not None
            else grpc.insecure_channel(target)
        )
        self.stub = pb_grpc.SoundloomStub(self.channel)
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.retry = retry or RetryPolicy()

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()

    def call(self, timeout_s: float, attempt: Callable[[float], T]) -> T:
        """Run `attempt(remaining_seconds)` until it succeeds, retrying what may be retried."""
        attempts = _Attempts(timeout_s, self.retry)
        for number, remaining in attempts:
            try:
                return attempt(remaining)
            except grpc.RpcError as exc:
                time.sleep(attempts.pause_after(exc, number))
        raise attempts.exhausted()

    def unary(self, method: str, request: Any, timeout_s: float) -> Any:
        """A unary RPC with deadline and retries."""
        rpc = getattr(self.stub, method)
        return self.call(timeout_s, lambda left: rpc(request, timeout=left, metadata=self.metadata))

    def generate(
        self,
        request: Any,
        timeout_s: float,
        staging: Callable[[], AbstractContextManager[Path]],
        progress: ProgressFn | None,
        commit: Callable[[StreamAssembler], T],
        method: str = "GenerateScene",
    ) -> T:
        """GenerateScene (or ContinueClip: `request` then makes each attempt's upload) into a
        fresh work directory per attempt; `commit` stores the result."""

        def attempt(left: float) -> T:
            with staging() as work:
                assembler = StreamAssembler(work, progress)
                sent = request() if callable(request) else request
                stream: Iterable[pb.GenerateSceneResponse] = getattr(self.stub, method)(
                    sent, timeout=left, metadata=self.metadata
                )
                try:
                    for message in stream:
                        assembler.feed(message)
                finally:
                    assembler.abort()
                assembler.finish()
                return commit(assembler)

        return self.call(timeout_s, attempt)


class AsyncRemoteTransport:
    """Awaitable calls to a Soundloom server over one grpc.aio channel (made on first use)."""

    def __init__(
        self,
        target: str,
        token: str | None = None,
        tls: bool | str | Path | bytes = False,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.target = target
        self.credentials = channel_credentials(tls)
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.retry = retry or RetryPolicy()
        self._channel: grpc.aio.Channel | None = None
        self._stub: pb_grpc.SoundloomStub | None = None

    @property
    def stub(self) -> pb_grpc.SoundloomStub:
        """The stub, its channel opened on the running event loop."""
        if self._stub is None:
            self._channel = (
                grpc.aio.secure_channel(self.target, self.credentials)
                if self.credentials is not None
                else grpc.aio.insecure_channel(self.target)
            )
            self._stub = pb_grpc.SoundloomStub(self._channel)
        return self._stub

    async def close(self) -> None:
        """Close the channel."""
        if self._channel is not None:
            await self._channel.close()
            self._channel, self._stub = None, None

    async def call(self, timeout_s: float, attempt: Callable[[float], Awaitable[T]]) -> T:
        """Await `attempt(remaining_seconds)` until it succeeds, retrying what may be retried."""
        attempts = _Attempts(timeout_s, self.retry)
        for number, remaining in attempts:
            try:
                return await attempt(remaining)
            except grpc.RpcError as exc:
                await asyncio.sleep(attempts.pause_after(exc, number))
        raise attempts.exhausted()

    async def unary(self, method: str, request: Any, timeout_s: float) -> Any:
        """A unary RPC with deadline and retries."""

        async def attempt(left: float) -> Any:
            return await getattr(self.stub, method)(request, timeout=left, metadata=self.metadata)

        return await self.call(timeout_s, attempt)

    async def generate(
        self,
        request: Any,
        timeout_s: float,
        staging: Callable[[], AbstractContextManager[Path]],
        progress: ProgressFn | None,
        commit: Callable[[StreamAssembler], T],
        method: str = "GenerateScene",
    ) -> T:
        """GenerateScene (or ContinueClip: `request` then makes each attempt's upload) into a
        fresh work directory per attempt; `commit` stores the result."""

        async def attempt(left: float) -> T:
            with staging() as work:
                assembler = StreamAssembler(work, progress)
                sent = _aiter(request()) if callable(request) else request
                stream: AsyncIterator[pb.GenerateSceneResponse] = getattr(self.stub, method)(
                    sent, timeout=left, metadata=self.metadata
                )
                try:
                    async for message in stream:
                        assembler.feed(message)
                finally:
                    assembler.abort()
                assembler.finish()
                # Hashing and renaming into the cache are disk work: keep them off the loop.
                return await asyncio.to_thread(commit, assembler)

        return await self.call(timeout_s, attempt)


async def _aiter(items: Iterable[Any]) -> AsyncIterator[Any]:
    """An async iterator over a (file-reading) iterator: grpc.aio takes async request streams."""
    for item in items:
        yield item
