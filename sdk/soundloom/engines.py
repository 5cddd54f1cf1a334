"""Where a client's work runs: the engine in this process, or a Soundloom server over gRPC.

Each is a transport with the same five operations (plan, produce, continue_clip, dub,
backends), as httpx makes an in-process app just another transport; `Client` and `AsyncClient`
pick one at construction and never ask again. Each operation is written once as steps
(`soundloom.steps`): the embedded engine's work is all `Local`, so the async client runs it on
worker threads and the event loop is never blocked by rendering, hashing or disk work; the
server's is `Remote`, a call on the client's sync or grpc.aio transport.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from soundloom import continuation_client, dub_client
from soundloom.asset import Asset
from soundloom.client_core import Core, Job, ProgressFn
from soundloom.continuation_client import ClipJob, continue_embedded
from soundloom.dub_client import DubJob, dub_embedded
from soundloom.errors import InvalidArgument
from soundloom.remote import Download
from soundloom.steps import Local, Remote, Steps
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.registry import BackendStatus as Backend
from soundloom_server.engine.registry import backend_statuses
from soundloom_server.plan_proto import plan_from_proto


class EmbeddedEngine:
    """The engine in this process, rendering into the client's cache."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def close(self) -> Steps[None]:
        """Nothing to close: the engine lives in this process."""
        yield from ()

    def plan(
        self, request: SceneRequest, options: RenderOptions, timeout_s: float
    ) -> Steps[ScenePlan]:
        """Plan the scene here (no time limit: nothing waits on a wire)."""
        return (yield Local(functools.partial(_plan_here, request, options)))

    def produce(self, job: Job) -> Steps[Asset]:
        """Render the job into the cache."""
        return (yield Local(functools.partial(self.core.render_embedded, job)))

    def continue_clip(
        self, job: ClipJob, progress: ProgressFn | None, timeout_s: float
    ) -> Steps[Asset]:
        """Analyse, plan and render a clip's continuation here (the cache first)."""
        core = self.core
        work = functools.partial(continue_embedded, core.cache, core.use_cache, job, progress)
        return (yield Local(work))

    def dub(self, job: DubJob, progress: ProgressFn | None, timeout_s: float) -> Steps[Asset]:
        """Analyse the video, plan and render its soundtrack here (the cache first)."""
        core = self.core
        work = functools.partial(dub_embedded, core.cache, core.use_cache, job, progress)
        return (yield Local(work))

    def backends(self, timeout_s: float) -> Steps[list[Backend]]:
        """The backends this process's engine knows, planners first, each group by name."""
        return (yield Local(backend_statuses))


class ServerEngine:
    """A Soundloom server: every operation is an RPC; results land in the client's cache."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def close(self) -> Steps[None]:
        """Close the channel."""
        yield Remote(lambda remote: remote.close())

    def plan(
        self, request: SceneRequest, options: RenderOptions, timeout_s: float
    ) -> Steps[ScenePlan]:
        """PlanScene on the server."""
        message = plan_request(request, options)
        response = yield Remote(lambda remote: remote.unary("PlanScene", message, timeout_s))
        return plan_from_proto(response.plan)

    def produce(self, job: Job) -> Steps[Asset]:
        """GenerateScene on the server, its files streamed into the cache."""
        request = generate_request(job)
        asset = yield from self._download("GenerateScene", request, job.progress, job.timeout_s)
        return job.tell_plan(asset)

    def continue_clip(
        self, job: ClipJob, progress: ProgressFn | None, timeout_s: float
    ) -> Steps[Asset]:
        """ContinueClip: the clip uploaded, its continuation streamed back."""
        upload = continuation_client.upload(job)
        return (yield from self._download("ContinueClip", upload, progress, timeout_s))

    def dub(self, job: DubJob, progress: ProgressFn | None, timeout_s: float) -> Steps[Asset]:
        """DubVideo: the video uploaded, its soundtrack streamed back."""
        refuse_remote_captioner(job.captioner)
        upload = dub_client.upload(job)
        return (yield from self._download("DubVideo", upload, progress, timeout_s))

    def backends(self, timeout_s: float) -> Steps[list[Backend]]:
        """ListBackends on the server."""
        from soundloom.v1 import soundloom_pb2 as pb

        message = pb.ListBackendsRequest()
        response = yield Remote(lambda remote: remote.unary("ListBackends", message, timeout_s))
        return [backend_from_proto(b) for b in response.backends]

    def _download(
        self,
        method: str,
        request: Any | Callable[[], Iterator[Any]],
        progress: ProgressFn | None,
        timeout_s: float,
    ) -> Steps[Asset]:
        """A streaming RPC's asset into the cache; `request` is a message or makes an upload."""
        core = self.core
        download = Download(method, request, core.cache.staging, progress, core.commit_download)
        return (yield Remote(lambda remote: remote.download(download, timeout_s)))


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


def _plan_here(request: SceneRequest, options: RenderOptions) -> ScenePlan:
    from soundloom_server.engine.pipeline import plan_scene

    return plan_scene(request, options)
