"""The one Soundloom servicer behind both transports: proto messages in, proto messages out.

The gRPC transport and the HTTP/JSON gateway adapt calls to these methods; every failure is a
ServiceError with the code and a message that names the field.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.cache_key import cache_key
from soundloom_server.engine.errors import Cancelled, InvalidArgument
from soundloom_server.engine.footprint import check_footprint, default_render_budget_bytes
from soundloom_server.engine.pipeline import plan_scene
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.produce import main_file, produce
from soundloom_server.engine.registry import backend_statuses, check_backends, lane_for
from soundloom_server.plan_proto import (
    STAGE_TO_PROTO,
    options_from_proto,
    plan_from_proto,
    plan_to_proto,
    request_from_proto,
)
from soundloom_server.service.asset_info import asset_info
from soundloom_server.service.errors import ServiceError, invalid
from soundloom_server.service.metrics import Metrics
from soundloom_server.service.render_queue import ProgressFn, RenderQueue
from soundloom_server.service.store import (
    AssetStore,
    CorruptAsset,
    OpenFile,
    StoredAsset,
    is_asset_id,
)

log = logging.getLogger("soundloom.service")
T = TypeVar("T")

CHUNK_BYTES = 256 * 1024
# Files larger than this are opened (and hashed) on a thread, not on the event loop.
INLINE_OPEN_BYTES = 1 << 20
STAGES = STAGE_TO_PROTO


@dataclass
class Outcome:
    """How a streamed asset came to be: from the store, or rendered (and in how long)."""

    cache_hit: bool
    render_seconds: float = 0.0


@dataclass(frozen=True)
class Rendered:
    """What a render job hands its waiters."""

    stored: StoredAsset
    seconds: float


def _not_found(message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.NOT_FOUND, message)


def _named(prefix: str, convert: Callable[[Any], T], message: Any) -> T:
    """Run a proto conversion; its errors name the field from the request's root."""
    try:
        return convert(message)
    except InvalidArgument as exc:
        if exc.field.startswith(prefix):
            raise
        raise InvalidArgument(f"{prefix}{exc.field}", exc.detail) from None


def check_asset_id(asset_id: str) -> None:
    """INVALID_ARGUMENT ("asset_id") unless it is 64 lowercase hex digits."""
    if not is_asset_id(asset_id):
        raise invalid("asset_id", f"must be 64 lowercase hex digits, got {asset_id[:80]!r}")


class Servicer:
    """The service's RPCs over one asset store and one render queue."""

    def __init__(
        self,
        store: AssetStore,
        queue: RenderQueue,
        metrics: Metrics,
        max_render_bytes: int | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.metrics = metrics
        self.max_render_bytes = max_render_bytes or default_render_budget_bytes()
        self.draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # ------------------------------------------------------------ admission

    @contextlib.contextmanager
    def admitted(self) -> Iterator[None]:
        """Count a call as in flight; UNAVAILABLE once the server is draining."""
        if self.draining:
            raise ServiceError(
                grpc.StatusCode.UNAVAILABLE, "the server is shutting down; retry on another"
            )
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def drain(self, timeout_s: float) -> bool:
        """Refuse new calls and wait up to `timeout_s` for the in-flight ones; True if all ended."""
        self.draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    # ------------------------------------------------------------ plan

    async def plan_scene(self, request: pb.PlanSceneRequest) -> pb.PlanSceneResponse:
        """Plan a described scene (the planner runs off the event loop)."""
        if not request.HasField("scene"):
            raise invalid("scene", "must be set")
        scene = _named("scene.", request_from_proto, request.scene)
        options = _named("options.", options_from_proto, request.options)
        check_backends(scene, options)
        plan = await asyncio.to_thread(plan_scene, scene, options)
        return pb.PlanSceneResponse(plan=plan_to_proto(plan))

    # ------------------------------------------------------------ generate

    def parse_generate(
        self, request: pb.GenerateSceneRequest
    ) -> tuple[SceneRequest | ScenePlan, RenderOptions]:
        """The request's source and options, validated; errors name the field."""
        if len(request.client_request_id) > 128:
            raise invalid(
                "client_request_id",
                f"must be at most 128 characters, got {len(request.client_request_id)}",
            )
        which = request.WhichOneof("source")
        if which is None:
            raise invalid("source", "must be set: a scene (words) or a plan")
        source: SceneRequest | ScenePlan = (
            _named("scene.", request_from_proto, request.scene)
            if which == "scene"
            else plan_from_proto(request.plan)
        )
        options = _named("options.", options_from_proto, request.options)
        check_backends(source, options)
        return source, options

    async def generate_scene(
        self,
        request: pb.GenerateSceneRequest,
        deadline: float | None = None,
        with_chunks: bool = True,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """accepted → progress* → plan → asset → chunk* → done; `deadline` is loop time."""
        started = time.perf_counter()
        source, options = self.parse_generate(request)
        async with contextlib.aclosing(
            self.stream_render(source, options, deadline, with_chunks, started)
        ) as messages:
            async for message in messages:
                yield message

    def continue_clip(
        self,
        requests: AsyncIterator[pb.ContinueClipRequest],
        deadline: float | None = None,
        with_chunks: bool = True,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """ContinueClip: receive the header and the clip, plan its continuation, stream it."""
        from soundloom_server.service import continuation

        return self._upload_job(requests, continuation, "clips", deadline, with_chunks)

    def dub_video(
        self,
        requests: AsyncIterator[pb.DubVideoRequest],
        deadline: float | None = None,
        with_chunks: bool = True,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """DubVideo: receive the header and the video, plan from its picture, stream it."""
        from soundloom_server.service import dubbing

        return self._upload_job(requests, dubbing, "videos", deadline, with_chunks)

    async def _upload_job(
        self,
        requests: AsyncIterator[Any],
        kind: Any,
        folder: str,
        deadline: float | None,
        with_chunks: bool,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """An upload RPC: `kind.receive_upload`, then `kind.prepare_upload` (off the loop: it
        keeps the file in the store's `folder` and plans), then the render's stream."""
        started = time.perf_counter()
        header, data = await kind.receive_upload(requests)
        plan, options, adjust = await asyncio.to_thread(
            kind.prepare_upload, header, data, self.store.root / folder
        )
        async with contextlib.aclosing(
            self.stream_render(plan, options, deadline, with_chunks, started, adjust)
        ) as messages:
            async for message in messages:
                yield message

    async def stream_render(
        self,
        source: SceneRequest | ScenePlan,
        options: RenderOptions,
        deadline: float | None,
        with_chunks: bool,
        started: float,
        adjust: Callable[[Any], Any] | None = None,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """Render (or find) an asset and stream it; `adjust` edits the mastered scene before it
        is packaged (a continuation marks its seam)."""
        if isinstance(source, ScenePlan):  # refused before it queues; words after planning
            check_footprint(source, options, self.max_render_bytes)
        key = cache_key(source, options)
        with self.store.pinned(key):
            files = await self._open_all(key)
            outcome = Outcome(cache_hit=files is not None)
            if files is not None:
                self.metrics.cache.inc("hit")
                yield pb.GenerateSceneResponse(accepted=pb.Accepted(asset_id=key))
            else:
                render = self._follow_render(key, source, options, adjust, deadline, outcome)
                async with contextlib.aclosing(render) as messages:
                    async for message in messages:
                        yield message
                files = await self._open_rendered(key)
            sent = self._send_asset(files, outcome, with_chunks, started)
            async with contextlib.aclosing(sent) as messages:
                async for message in messages:
                    yield message

    async def _follow_render(
        self,
        key: str,
        source: SceneRequest | ScenePlan,
        options: RenderOptions,
        adjust: Callable[[Any], Any] | None,
        deadline: float | None,
        outcome: Outcome,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """Queue the render (or join the one under way) and relay its progress until it ends;
        the last listener to leave abandons it."""
        work = self._render_work(key, source, options, adjust)
        job, joined = self.queue.submit(key, work, lane_for(source, options))
        self.metrics.cache.inc("shared" if joined else "miss")
        listener = job.subscribe()
        try:
            yield pb.GenerateSceneResponse(
                accepted=pb.Accepted(asset_id=key, queue_position=self.queue.position(job))
            )
            while (item := await self._until(listener.get(), deadline)) is not None:
                stage, fraction, message = item
                yield pb.GenerateSceneResponse(
                    progress=pb.Progress(stage=STAGES[stage], fraction=fraction, message=message)
                )
            rendered = await self._until(asyncio.shield(job.result), deadline)
            outcome.render_seconds = rendered.seconds
        finally:
            if job.unsubscribe(listener) == 0 and not job.result.done():
                self.queue.abandon(job)

    async def _open_rendered(self, key: str) -> tuple[StoredAsset, list[OpenFile]]:
        files = await self._open_all(key)
        if files is None:
            raise ServiceError(
                grpc.StatusCode.UNAVAILABLE,
                f"asset {key} left the store before it could be sent; retry",
            )
        return files

    async def _send_asset(
        self,
        files: tuple[StoredAsset, list[OpenFile]],
        outcome: Outcome,
        with_chunks: bool,
        started: float,
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """plan → asset → chunk* → done, closing every file however the stream ends."""
        stored, opened = files
        try:
            yield pb.GenerateSceneResponse(plan=stored.plan)
            yield pb.GenerateSceneResponse(asset=stored.info)
            if with_chunks:
                first = True
                for index, handle in enumerate(opened):
                    for offset, data in _chunks(handle, 0, handle.size):
                        if first:
                            first = False
                            self.metrics.first_chunk_seconds.observe(
                                time.perf_counter() - started, "GenerateScene"
                            )
                        yield pb.GenerateSceneResponse(
                            chunk=pb.DataChunk(file_index=index, offset=offset, data=data)
                        )
            yield pb.GenerateSceneResponse(
                done=pb.Done(cache_hit=outcome.cache_hit, render_seconds=outcome.render_seconds)
            )
        finally:
            for handle in opened:
                handle.close()

    @staticmethod
    async def _until(awaitable: object, deadline: float | None) -> object:
        """Await with the caller's deadline: DEADLINE_EXCEEDED when it passes first."""
        if deadline is None:
            return await awaitable  # type: ignore[misc]
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(awaitable, max(remaining, 0.0))  # type: ignore[arg-type]
        except TimeoutError:
            raise ServiceError(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "deadline exceeded before the scene finished rendering",
            ) from None

    def _render_work(
        self,
        key: str,
        source: SceneRequest | ScenePlan,
        options: RenderOptions,
        adjust: Callable[[Any], Any] | None = None,
    ) -> Callable[[ProgressFn, Callable[[], bool]], Rendered]:
        """The job a worker thread runs: render, package into staging, commit to the store."""

        def work(progress: ProgressFn, cancelled: Callable[[], bool]) -> Rendered:
            start = time.perf_counter()
            existing = self.store.lookup(key)
            if existing is not None:
                return Rendered(existing, 0.0)
            staged = self.store.staging_dir()
            try:
                with self.store.writing():
                    produced = produce(
                        source,
                        options,
                        main_file(staged, options),
                        key,
                        progress,  # type: ignore[arg-type]
                        cancelled,
                        check=functools.partial(
                            check_footprint, options=options, budget_bytes=self.max_render_bytes
                        ),
                        edit=adjust,
                    )
                info = asset_info(produced.asset, key, options)
                stored = self.store.commit(key, staged, info, plan_to_proto(produced.scene.plan))
            except Cancelled:
                self.metrics.renders.inc("cancelled")
                log.info("render %s cancelled", key)
                raise
            except BaseException:
                self.metrics.renders.inc("error")
                raise
            finally:
                shutil.rmtree(staged, ignore_errors=True)
            seconds = time.perf_counter() - start
            self.metrics.renders.inc("ok")
            self.metrics.render_seconds.observe(seconds)
            return Rendered(stored, seconds)

        return work

    async def _open_all(self, key: str) -> tuple[StoredAsset, list[OpenFile]] | None:
        """Every file of a stored asset, checked; None when absent (a corrupt one is dropped)."""
        stored = self.store.lookup(key)
        if stored is None:
            return None
        opened: list[OpenFile] = []
        try:
            for entry in stored.info.files:
                opened.append(await self._open(stored, entry.name, entry.size_bytes))
        except CorruptAsset as exc:
            for handle in opened:
                handle.close()
            log.warning("asset %s is corrupt (%s); discarded, rendering it again", key, exc)
            self.metrics.cache.inc("corrupt")
            self.store.discard(key)
            return None
        return stored, opened

    async def _open(self, stored: StoredAsset, name: str, size: int) -> OpenFile:
        if size > INLINE_OPEN_BYTES:
            return await asyncio.to_thread(self.store.open_file, stored, name)
        return self.store.open_file(stored, name)

    # ------------------------------------------------------------ assets

    def stored_asset(self, asset_id: str) -> StoredAsset:
        """The stored asset; INVALID_ARGUMENT for a malformed id, NOT_FOUND when absent."""
        check_asset_id(asset_id)
        stored = self.store.lookup(asset_id)
        if stored is None:
            raise _not_found(f"asset_id {asset_id} is not in the store")
        return stored

    async def open_asset_file(self, asset_id: str, file_name: str) -> tuple[StoredAsset, OpenFile]:
        """One file of a stored asset, checked (empty name = main file)."""
        stored = self.stored_asset(asset_id)
        name = file_name or stored.info.files[0].name
        entry = next((f for f in stored.info.files if f.name == name), None)
        if entry is None:
            names = ", ".join(f.name for f in stored.info.files)
            raise _not_found(f"file_name {name[:80]!r} is not a file of the asset (one of {names})")
        try:
            return stored, await self._open(stored, name, entry.size_bytes)
        except CorruptAsset as exc:
            log.warning("asset %s is corrupt (%s); discarded", asset_id, exc)
            self.metrics.cache.inc("corrupt")
            self.store.discard(asset_id)
            raise _not_found(
                f"asset_id {asset_id} was corrupt and has been discarded; generate it again"
            ) from None

    async def get_asset(self, request: pb.GetAssetRequest) -> AsyncIterator[pb.AssetChunk]:
        """Stream one file from `offset` (for at most `length` bytes) in ≤ 256 KiB chunks."""
        started = time.perf_counter()
        _, handle = await self.open_asset_file(request.asset_id, request.file_name)
        with handle:
            if request.offset > handle.size:
                raise invalid(
                    "offset", f"must be <= the file's size {handle.size}, got {request.offset}"
                )
            end = handle.size
            if request.length:
                end = min(end, request.offset + request.length)
            first = True
            for offset, data in _chunks(handle, request.offset, end):
                if first:
                    first = False
                    self.metrics.first_chunk_seconds.observe(
                        time.perf_counter() - started, "GetAsset"
                    )
                yield pb.AssetChunk(offset=offset, data=data, total_size=handle.size)

    def stat_asset(self, request: pb.StatAssetRequest) -> pb.AssetInfo:
        """The stored asset's AssetInfo."""
        return self.stored_asset(request.asset_id).info

    # ------------------------------------------------------------ backends

    def list_backends(self) -> pb.ListBackendsResponse:
        """Planners then renderers, each by name, with availability."""
        response = pb.ListBackendsResponse()
        kinds = {"planner": pb.BACKEND_KIND_PLANNER, "renderer": pb.BACKEND_KIND_RENDERER}
        for status in backend_statuses():
            response.backends.add(
                name=status.name,
                kind=kinds[status.kind],
                available=status.available,
                reason=status.reason,
                default=status.default,
            )
        return response


def _chunks(handle: OpenFile, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) pieces of at most 256 KiB covering [start, end)."""
    offset = start
    while offset < end:
        data = handle.read(offset, min(CHUNK_BYTES, end - offset))
        if not data:
            return
        yield offset, data
        offset += len(data)
