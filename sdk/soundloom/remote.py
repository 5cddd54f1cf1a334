"""Remote mode: the Soundloom gRPC service, sync (`grpc`) and async (`grpc.aio`), same shape.

Every call has a deadline. UNAVAILABLE and RESOURCE_EXHAUSTED are retried with exponential
backoff and jitter, waiting at least the server's `retry-after` (trailing metadata) when it sends
one, and never past the call's deadline. Other failures become the SDK's typed exceptions with
the server's message kept verbatim.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import grpc

from soundloom.errors import DeadlineExceeded, InternalError, SoundloomError, error_for_status
from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.plan_proto import STAGE_FROM_PROTO

T = TypeVar("T")
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
STAGE_NAMES = STAGE_FROM_PROTO
ProgressFn = Callable[[str, float], None]  # (stage, fraction): the SDK's one progress type


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

    @contextlib.contextmanager
    def receiving(self) -> Iterator[None]:
        """While the stream is read: afterwards its files are closed, then (if it ended
        without a failure) checked."""
        try:
            yield
        finally:
            self.abort()
        self.finish()

    def finish(self) -> None:
        """Close the files and check each against the sha256 the server announced."""
        self.abort()
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


@dataclass(frozen=True)
class Download(Generic[T]):
    """A streaming call that answers with an asset: what it sends, where each attempt's files
    go (`staging`, a fresh work directory) and what stores them (`commit`)."""

    method: str  # GenerateScene, ContinueClip or DubVideo
    request: Any  # a message, or a function that makes each attempt's upload afresh
    staging: Callable[[], AbstractContextManager[Path]]
    progress: ProgressFn | None
    commit: Callable[[StreamAssembler], T]


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
    """One call's tries within its deadline; iterating raises the last error once none is left."""

    def __init__(self, timeout_s: float, retry: RetryPolicy) -> None:
        self.deadline = _Deadline(timeout_s)
        self.retry = retry
        self.last: SoundloomError | None = None

    def __iter__(self) -> Iterator[_Try]:
        for number in range(self.retry.max_attempts):
            remaining = self.deadline.remaining()
            if remaining <= 0:
                break
            yield _Try(self, number, remaining)
        raise self.deadline.expired_error(self.last)

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


@dataclass
class _Try:
    """One try of a call: `with` it, and a failure that may be retried leaves `pause_s` set
    (one that may not is raised as the SDK's typed error)."""

    attempts: _Attempts
    number: int
    remaining_s: float
    pause_s: float = 0.0

    def __enter__(self) -> _Try:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> bool:
        if not isinstance(exc, grpc.RpcError):
            return False
        self.pause_s = self.attempts.pause_after(exc, self.number)
        return True


class _Connection:
    """What both transports keep: the server's address and credentials, the bearer token as
    call metadata, the retry policy, and one channel opened on first use."""

    channels: ClassVar[Any]  # grpc or grpc.aio: the module that opens this transport's channel

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
        self.channel: Any = None
        self._stub: pb_grpc.SoundloomStub | None = None
        self._opening = threading.Lock()  # generate_many's threads share one channel

    @property
    def stub(self) -> pb_grpc.SoundloomStub:
        """The stub, its channel opened on first use (grpc.aio's: on the running event loop)."""
        with self._opening:
            if self._stub is None:
                self.channel = (
                    self.channels.secure_channel(self.target, self.credentials)
                    if self.credentials is not None
                    else self.channels.insecure_channel(self.target)
                )
                self._stub = pb_grpc.SoundloomStub(self.channel)
            return self._stub

    def stream(self, download: Download[Any], left: float) -> Any:
        """Start one attempt of a download: its response stream."""
        request = download.request
        sent = self.upload(request()) if callable(request) else request
        return getattr(self.stub, download.method)(sent, timeout=left, metadata=self.metadata)

    def upload(self, messages: Iterator[Any]) -> Any:
        """An upload's messages as this transport sends a request stream."""
        return messages

    def closed_channel(self) -> Any:
        """The channel, forgotten so that a later call opens a new one; None if none is open."""
        with self._opening:
            channel, self.channel, self._stub = self.channel, None, None
        return channel


class RemoteTransport(_Connection):
    """Blocking calls to a Soundloom server over one gRPC channel."""

    channels = grpc

    def close(self) -> None:
        """Close the channel."""
        channel = self.closed_channel()
        if channel is not None:
            channel.close()

    def call(self, timeout_s: float, attempt: Callable[[float], T]) -> T:
        """Run `attempt(remaining_seconds)` until it succeeds, retrying what may be retried."""
        for each in _Attempts(timeout_s, self.retry):
            with each:
                return attempt(each.remaining_s)
            time.sleep(each.pause_s)
        raise AssertionError("unreachable: _Attempts raises once no try is left")

    def unary(self, method: str, request: Any, timeout_s: float) -> Any:
        """A unary RPC with deadline and retries."""
        rpc = getattr(self.stub, method)
        return self.call(timeout_s, lambda left: rpc(request, timeout=left, metadata=self.metadata))

    def download(self, download: Download[T], timeout_s: float) -> T:
        """A download into a fresh work directory per attempt; what its `commit` returns."""

        def attempt(left: float) -> T:
            with download.staging() as work:
                assembler = StreamAssembler(work, download.progress)
                with assembler.receiving():
                    for message in self.stream(download, left):
                        assembler.feed(message)
                return download.commit(assembler)

        return self.call(timeout_s, attempt)


class AsyncRemoteTransport(_Connection):
    """Awaitable calls to a Soundloom server over one grpc.aio channel (made on first use)."""

    channels = grpc.aio

    async def close(self) -> None:
        """Close the channel."""
        channel = self.closed_channel()
        if channel is not None:
            await channel.close()

    def upload(self, messages: Iterator[Any]) -> AsyncIterator[Any]:
        """grpc.aio takes async request streams."""
        return _aiter(messages)

    async def call(self, timeout_s: float, attempt: Callable[[float], Awaitable[T]]) -> T:
        """Await `attempt(remaining_seconds)` until it succeeds, retrying what may be retried."""
        for each in _Attempts(timeout_s, self.retry):
            with each:
                return await attempt(each.remaining_s)
            await asyncio.sleep(each.pause_s)
        raise AssertionError("unreachable: _Attempts raises once no try is left")

    async def unary(self, method: str, request: Any, timeout_s: float) -> Any:
        """A unary RPC with deadline and retries."""

        async def attempt(left: float) -> Any:
            return await getattr(self.stub, method)(request, timeout=left, metadata=self.metadata)

        return await self.call(timeout_s, attempt)

    async def download(self, download: Download[T], timeout_s: float) -> T:
        """`RemoteTransport.download`, awaited."""

        async def attempt(left: float) -> T:
            with download.staging() as work:
                assembler = StreamAssembler(work, download.progress)
                with assembler.receiving():
                    async for message in self.stream(download, left):
                        assembler.feed(message)
                # Hashing and renaming into the cache are disk work: keep them off the loop.
                return await asyncio.to_thread(download.commit, assembler)

        return await self.call(timeout_s, attempt)


async def _aiter(items: Iterable[Any]) -> AsyncIterator[Any]:
    """An async iterator over a (file-reading) iterator: grpc.aio takes async request streams."""
    for item in items:
        yield item
