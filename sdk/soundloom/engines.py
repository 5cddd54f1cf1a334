"""Where a client's work runs: the engine in this process, or a Soundloom server over gRPC.

Each is a transport with the same five operations (plan, produce, continue_clip, dub,
backends), as httpx makes an in-process app just another transport; `Client` and `AsyncClient`
pick one at construction and never ask again. The async embedded engine runs every operation
on a worker thread, so the event loop is never blocked by rendering, hashing or disk work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.client_core import Core, Job, ProgressFn
from soundloom.errors import InvalidArgument
from soundloom.remote import AsyncRemoteTransport, RemoteTransport
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.registry import BackendStatus as Backend
from soundloom_server.engine.registry import backend_statuses
from soundloom_server.plan_proto import plan_from_proto

ClipArgs = tuple[Path | str, float, str, bool, bool, dict[str, Any]]
DubArgs = tuple[Path | str, str, Sequence[str], bool, dict[str, Any], Path | str | None]


class EmbeddedEngine:
    """The engine in this process, rendering into the client's cache."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def close(self) -> None:
        """Nothing to close: the engine lives in this process."""

    def plan(self, request: SceneRequest, options: RenderOptions, timeout_s: float) -> ScenePlan:
        """Plan the scene here (no time limit: nothing waits on a wire)."""
        from soundloom_server.engine.pipeline import plan_scene

        return plan_scene(request, options)

    def produce(self, job: Job) -> Asset:
        """Render the job into the cache."""
        return self.core.render_embedded(job)

    def continue_clip(self, args: ClipArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """Analyse, plan and render a clip's continuation here (the cache first)."""
        from soundloom.continuation_client import continue_embedded

        return continue_embedded(self.core.cache, self.core.use_cache, *args, progress)

    def dub(self, args: DubArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """Analyse the video, plan and render its soundtrack here (the cache first)."""
        from soundloom.dub_client import dub_embedded

        *given, captioner = args
        return dub_embedded(self.core.cache, self.core.use_cache, *given, progress, captioner)

    def backends(self, timeout_s: float) -> list[Backend]:
        """The backends this process's engine knows, planners first, each group by name."""
        return backend_statuses()


class ServerEngine:
    """A Soundloom server: every operation is an RPC; results land in the client's cache."""

    def __init__(self, core: Core, remote: RemoteTransport) -> None:
        self.core = core
        self.remote = remote

    def close(self) -> None:
        """Close the channel."""
        self.remote.close()

    def plan(self, request: SceneRequest, options: RenderOptions, timeout_s: float) -> ScenePlan:
        """PlanScene on the server."""
        response = self.remote.unary("PlanScene", plan_request(request, options), timeout_s)
        return plan_from_proto(response.plan)

    def produce(self, job: Job) -> Asset:
        """GenerateScene on the server, its files streamed into the cache."""
        asset = self.remote.generate(
            generate_request(job),
            job.timeout_s,
            self.core.cache.staging,
            job.progress,
            self.core.commit_download,
        )
        return job.tell_plan(asset)

    def continue_clip(self, args: ClipArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """ContinueClip: the clip uploaded, its continuation streamed back."""
        from soundloom.continuation_client import upload

        return self._upload(upload(*args), progress, timeout_s, "ContinueClip")

    def dub(self, args: DubArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """DubVideo: the video uploaded, its soundtrack streamed back."""
        from soundloom.dub_client import upload

        *given, captioner = args
        refuse_remote_captioner(captioner)
        return self._upload(upload(*given), progress, timeout_s, "DubVideo")

    def backends(self, timeout_s: float) -> list[Backend]:
        """ListBackends on the server."""
        from soundloom.v1 import soundloom_pb2 as pb

        response = self.remote.unary("ListBackends", pb.ListBackendsRequest(), timeout_s)
        return [backend_from_proto(b) for b in response.backends]

    def _upload(
        self,
        requests: Callable[[], Iterator[Any]],
        progress: ProgressFn | None,
        timeout_s: float,
        method: str,
    ) -> Asset:
        return self.remote.generate(
            requests,
            timeout_s,
            self.core.cache.staging,
            progress,
            self.core.commit_download,
            method=method,
        )


class AsyncEmbeddedEngine:
    """`EmbeddedEngine`, awaitable: every operation on a worker thread."""

    def __init__(self, core: Core) -> None:
        self.engine = EmbeddedEngine(core)

    async def close(self) -> None:
        """Nothing to close."""

    async def plan(
        self, request: SceneRequest, options: RenderOptions, timeout_s: float
    ) -> ScenePlan:
        """Plan the scene on a worker thread."""
        return await asyncio.to_thread(self.engine.plan, request, options, timeout_s)

    async def produce(self, job: Job) -> Asset:
        """Render the job into the cache on a worker thread."""
        return await asyncio.to_thread(self.engine.produce, job)

    async def continue_clip(
        self, args: ClipArgs, progress: ProgressFn | None, timeout_s: float
    ) -> Asset:
        """A clip's continuation, rendered on a worker thread."""
        return await asyncio.to_thread(self.engine.continue_clip, args, progress, timeout_s)

    async def dub(self, args: DubArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """A video's soundtrack, rendered on a worker thread."""
        return await asyncio.to_thread(self.engine.dub, args, progress, timeout_s)

    async def backends(self, timeout_s: float) -> list[Backend]:
        """The backends this process's engine knows."""
        return await asyncio.to_thread(self.engine.backends, timeout_s)


class AsyncServerEngine:
    """`ServerEngine` on grpc.aio."""

    def __init__(self, core: Core, remote: AsyncRemoteTransport) -> None:
        self.core = core
        self.remote = remote

    async def close(self) -> None:
        """Close the channel."""
        await self.remote.close()

    async def plan(
        self, request: SceneRequest, options: RenderOptions, timeout_s: float
    ) -> ScenePlan:
        """PlanScene on the server."""
        response = await self.remote.unary("PlanScene", plan_request(request, options), timeout_s)
        return plan_from_proto(response.plan)

    async def produce(self, job: Job) -> Asset:
        """GenerateScene on the server, its files streamed into the cache."""
        asset = await self.remote.generate(
            generate_request(job),
            job.timeout_s,
            self.core.cache.staging,
            job.progress,
            self.core.commit_download,
        )
        return job.tell_plan(asset)

    async def continue_clip(
        self, args: ClipArgs, progress: ProgressFn | None, timeout_s: float
    ) -> Asset:
        """ContinueClip: the clip uploaded, its continuation streamed back."""
        from soundloom.continuation_client import upload

        return await self._upload(upload(*args), progress, timeout_s, "ContinueClip")

    async def dub(self, args: DubArgs, progress: ProgressFn | None, timeout_s: float) -> Asset:
        """DubVideo: the video uploaded, its soundtrack streamed back."""
        from soundloom.dub_client import upload

        *given, captioner = args
        refuse_remote_captioner(captioner)
        return await self._upload(upload(*given), progress, timeout_s, "DubVideo")

    async def backends(self, timeout_s: float) -> list[Backend]:
        """ListBackends on the server."""
        from soundloom.v1 import soundloom_pb2 as pb

        response = await self.remote.unary("ListBackends", pb.ListBackendsRequest(), timeout_s)
        return [backend_from_proto(b) for b in response.backends]

    async def _upload(
        self,
        messages: Callable[[], Iterator[Any]],
        progress: ProgressFn | None,
        timeout_s: float,
        method: str,
    ) -> Asset:
        def requests() -> AsyncIterator[Any]:
            return _aiter(messages())

        return await self.remote.generate(
            requests,
            timeout_s,
            self.core.cache.staging,
            progress,
            self.core.commit_download,
            method=method,
        )


def generate_request(job: Job) -> Any:
    """The GenerateScene request for a job: its scene or plan, and its options."""
    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom_server.plan_proto import options_to_proto, plan_to_proto, request_to_proto

    request = pb.GenerateSceneRequest(options=options_to_proto(job.options))
    if isinstance(job.source, ScenePlan):
        request.plan.CopyFrom(plan_to_proto(job.source))
    else:
        request.scene.CopyFrom(request_to_proto(job.source))
    return request


def plan_request(request: SceneRequest, options: RenderOptions) -> Any:
    """The PlanScene request for words and options."""
    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom_server.plan_proto import options_to_proto, request_to_proto

    return pb.PlanSceneRequest(scene=request_to_proto(request), options=options_to_proto(options))


def backend_from_proto(message: Any) -> Backend:
    """A listed backend from its ListBackends message."""
    from soundloom.v1 import soundloom_pb2 as pb

    kind = "planner" if message.kind == pb.BACKEND_KIND_PLANNER else "renderer"
    return Backend(message.name, kind, message.available, message.reason, message.default)


def refuse_remote_captioner(captioner: Path | str | None) -> None:
    """A captioner is a local folder: refused when the work runs on a server."""
    if captioner is not None:
        raise InvalidArgument(
            "captioner", "is a folder on this machine: it applies in-process, not to a server"
        )


async def _aiter(items: Iterable[Any]) -> AsyncIterator[Any]:
    """An async iterator over a (file-reading) iterator: grpc.aio takes async request streams."""
    for item in items:
        yield item
