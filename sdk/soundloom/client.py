"""`Client` and `AsyncClient`: the same methods, blocking and awaitable (as httpx's are).

`Client()` runs the engine in this process; `Client("host:port", token=..., tls=...)` talks gRPC
to a Soundloom server. Both look in the disk cache first, by the same content address the server
uses, so a cached `generate` needs neither the engine nor the server.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from soundloom.asset import FORMAT_SUFFIX, Asset
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.errors import InvalidArgument
from soundloom.remote import (
    AsyncRemoteTransport,
    RemoteTransport,
    RetryPolicy,
    StreamAssembler,
    load_sidecar,
    sidecar_name,
)
from soundloom_server.engine.plan import (
    RenderOptions,
    ScenePlan,
    SceneRequest,
    plan_from_dict,
    validate_options,
    validate_request,
)
from soundloom_server.engine.registry import BackendStatus as Backend
from soundloom_server.engine.registry import backend_statuses, check_backends
from soundloom_server.plan_proto import (
    options_to_proto,
    plan_from_proto,
    plan_to_proto,
    request_to_proto,
)

__all__ = ["AsyncClient", "Backend", "Client", "Source", "render_to_directory"]

Source = str | SceneRequest | ScenePlan | Mapping[str, Any]
ProgressFn = Callable[[str, float], None]
PlannedFn = Callable[[ScenePlan], None]
PLAN_TIMEOUT_S = 60.0
GENERATE_TIMEOUT_S = 900.0
BACKENDS_TIMEOUT_S = 10.0
OPTION_NAMES = frozenset(f.name for f in fields(RenderOptions))


# ---------------------------------------------------------------- requests


def scene_source(
    scene: Source, duration: float | None = None, style: str = "", environment: str = ""
) -> SceneRequest | ScenePlan:
    """A description, request, plan or plan/request dict as the engine's request type."""
    if isinstance(scene, ScenePlan | SceneRequest):
        if duration is not None or style or environment:
            raise InvalidArgument(
                "duration", "style and environment apply to a description string only"
            )
        return scene
    if isinstance(scene, Mapping):
        if "events" in scene:
            return plan_from_dict(dict(scene))
        return validate_request(SceneRequest(**dict(scene)))
    if not isinstance(scene, str) or not scene.strip():
        raise InvalidArgument("scene", "must be a non-empty description, a plan or a request")
    return validate_request(
        SceneRequest(
            description=scene,
            duration_s=0.0 if duration is None else float(duration),
            style=style,
            environment=environment,
        )
    )


def render_options(options: RenderOptions | None, overrides: Mapping[str, Any]) -> RenderOptions:
    """RenderOptions from a base (default: all defaults) and keyword overrides, validated."""
    unknown = sorted(set(overrides) - OPTION_NAMES)
    if unknown:
        raise InvalidArgument(
            unknown[0], f"is not a render option (one of {', '.join(sorted(OPTION_NAMES))})"
        )
    given = {k: v for k, v in overrides.items() if v is not None}
    return validate_options(replace(options or RenderOptions(), **given))


def _refuse_remote_captioner(captioner: Path | str | None) -> None:
    if captioner is not None:
        raise InvalidArgument(
            "captioner", "is a folder on this machine: it applies in-process, not to a server"
        )


def render_to_directory(
    source: SceneRequest | ScenePlan,
    options: RenderOptions,
    key: str,
    directory: Path,
    progress: ProgressFn | None = None,
    planned: PlannedFn | None = None,
) -> Path:
    """Run the engine in-process and package the scene into `directory`; the main file's path.

    `planned` sees the plan between planning and rendering (and may refuse it by raising)."""
    from soundloom_server.engine.produce import main_file, produce

    main = main_file(directory, options)
    return produce(source, options, main, key, progress, check=planned).asset.path


def embedded_backends() -> list[Backend]:
    """The backends this process's engine knows, planners first, each group by name."""
    return backend_statuses()


def _backend_from_proto(message: Any) -> Backend:
    from soundloom.v1 import soundloom_pb2 as pb

    kind = "planner" if message.kind == pb.BACKEND_KIND_PLANNER else "renderer"
    return Backend(message.name, kind, message.available, message.reason, message.default)


@dataclass(frozen=True)
class _Job:
    """One generate call, prepared: canonical request, key and where the result goes."""

    source: SceneRequest | ScenePlan
    options: RenderOptions
    key: str
    output: Path | None
    progress: ProgressFn | None
    timeout_s: float
    planned: PlannedFn | None = None

    def tell_plan(self, asset: Asset) -> Asset:
        """Hand `planned` the plan of an asset that was not rendered here (cached or remote)."""
        if self.planned is not None:
            self.planned(asset.plan)
        return asset


class _Core:
    """What both clients share: argument handling, the cache, and the embedded engine."""

    def __init__(
        self,
        target: str | None,
        cache: AssetCache | bool,
        timeout: float | None,
    ) -> None:
        if target is not None and (not isinstance(target, str) or ":" not in target):
            raise InvalidArgument("target", f"must be 'host:port' or None, got {target!r}")
        if timeout is not None and timeout <= 0:
            raise InvalidArgument("timeout", f"must be > 0 seconds, got {timeout}")
        self.target = target
        self.timeout = timeout
        self._scratch: Path | None = None
        if cache is True:
            self.cache = AssetCache()
            self.use_cache = True
        elif cache is False:
            # Without the user cache, assets live in a scratch cache removed by close().
            self._scratch = Path(tempfile.mkdtemp(prefix="soundloom-"))
            self.cache = AssetCache(self._scratch, max_bytes=1 << 62)
            self.use_cache = False
        else:
            self.cache = cache
            self.use_cache = True

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def job(
        self,
        scene: Source,
        *,
        duration: float | None,
        style: str,
        environment: str,
        output: Path | str | None,
        options: RenderOptions | None,
        overrides: Mapping[str, Any],
        progress: ProgressFn | None,
        timeout: float | None,
        planned: PlannedFn | None = None,
    ) -> _Job:
        source = scene_source(scene, duration, style, environment)
        opts = render_options(options, overrides)
        if output is not None:
            suffix = Path(output).suffix.lower().lstrip(".")
            if suffix in FORMAT_SUFFIX and "format" not in overrides and options is None:
                opts = replace(opts, format=suffix)  # `output="door.wav"` means WAV
        source, opts, key = canonical(source, opts)
        limit = timeout or self.timeout or GENERATE_TIMEOUT_S
        target = None if output is None else Path(output)
        return _Job(source, opts, key, target, progress, limit, planned)

    def cached(self, job: _Job) -> Asset | None:
        if not self.use_cache:
            return None
        hit = self.cache.get(job.key)
        return None if hit is None else job.tell_plan(hit)

    def deliver(self, job: _Job, asset: Asset) -> Asset:
        return asset if job.output is None else asset.save(job.output)

    def render_embedded(self, job: _Job) -> Asset:
        check_backends(job.source, job.options)
        with self.cache.staging() as work:
            render_to_directory(job.source, job.options, job.key, work, job.progress, job.planned)
            return self.cache.commit(job.key, work)

    def commit_download(self, assembler: StreamAssembler) -> Asset:
        if assembler.info is None:
            raise AssertionError("finish() checked the asset message")
        key = assembler.asset_id
        load_sidecar(assembler.work, assembler.info)  # fails early on a malformed sidecar
        sidecar_name(assembler.info)
        return self.cache.commit(key, assembler.work)

    def generate_request(self, job: _Job) -> Any:
        from soundloom.v1 import soundloom_pb2 as pb

        request = pb.GenerateSceneRequest(options=options_to_proto(job.options))
        if isinstance(job.source, ScenePlan):
            request.plan.CopyFrom(plan_to_proto(job.source))
        else:
            request.scene.CopyFrom(request_to_proto(job.source))
        return request

    def plan_request(self, request: SceneRequest, options: RenderOptions) -> Any:
        from soundloom.v1 import soundloom_pb2 as pb

        return pb.PlanSceneRequest(
            scene=request_to_proto(request), options=options_to_proto(options)
        )


def _plan_args(
    description: str | SceneRequest,
    duration: float | None,
    style: str,
    environment: str,
    options: RenderOptions | None,
    overrides: Mapping[str, Any],
) -> tuple[SceneRequest, RenderOptions]:
    request = scene_source(description, duration, style, environment)
    if isinstance(request, ScenePlan):
        raise InvalidArgument("description", "must be words or a SceneRequest, not a plan")
    return request, render_options(options, overrides)


def _many_kwargs(item: Source | Mapping[str, Any]) -> tuple[Source, dict[str, Any]]:
    """An item of generate_many: a source, or a dict of generate's arguments with `scene`."""
    if isinstance(item, Mapping) and "scene" in item:
        kwargs = dict(item)
        return kwargs.pop("scene"), kwargs
    return item, {}


class Client:
    """Blocking client: the engine in-process (no target) or a Soundloom server over gRPC.

    Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        token: str | None = None,
        tls: bool | str | Path | bytes = False,
        cache: AssetCache | bool = True,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._core = _Core(target, cache, timeout)
        self._remote = RemoteTransport(target, token, tls, retry) if target is not None else None

    @property
    def cache(self) -> AssetCache:
        """The disk cache this client reads and writes."""
        return self._core.cache

    @property
    def target(self) -> str | None:
        """`host:port` of the server, or None in embedded mode."""
        return self._core.target

    def close(self) -> None:
        """Close the channel (remote) and remove scratch files (`cache=False`)."""
        if self._remote is not None:
            self._remote.close()
        self._core.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def plan(
        self,
        description: str | SceneRequest,
        *,
        duration: float | None = None,
        style: str = "",
        environment: str = "",
        options: RenderOptions | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> ScenePlan:
        """Plan a described scene: words -> timeline of events (nothing is rendered)."""
        request, opts = _plan_args(description, duration, style, environment, options, overrides)
        if self._remote is None:
            from soundloom_server.engine.pipeline import plan_scene

            return plan_scene(request, opts)
        limit = timeout or self._core.timeout or PLAN_TIMEOUT_S
        response = self._remote.unary("PlanScene", self._core.plan_request(request, opts), limit)
        return plan_from_proto(response.plan)

    def generate(
        self,
        scene: Source,
        *,
        duration: float | None = None,
        style: str = "",
        environment: str = "",
        output: Path | str | None = None,
        options: RenderOptions | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        planned: PlannedFn | None = None,
        **overrides: Any,
    ) -> Asset:
        """Generate a scene (words, request or plan) as an Asset; cache first, then render.

        Keyword overrides are RenderOptions fields: `format`, `loudness`, `seed`, `loop`,
        `sample_rate`, `channels`, `bit_depth`, `segment_s`, `stems`, `planner`, `renderer`...
        With `output`, the files are also saved there (the suffix picks the format).
        `planned` is called once with the plan: before rendering when it renders here, else
        (a cache hit, a server's render) with the result.
        """
        job = self._core.job(
            scene,
            duration=duration,
            style=style,
            environment=environment,
            output=output,
            options=options,
            overrides=overrides,
            progress=progress,
            timeout=timeout,
            planned=planned,
        )
        asset = self._core.cached(job)
        if asset is None:
            asset = self._produce(job)
        return self._core.deliver(job, asset)

    def render(
        self,
        plan: ScenePlan | Mapping[str, Any],
        *,
        output: Path | str | None = None,
        options: RenderOptions | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """Render an (edited) plan as an Asset; cache first."""
        if not isinstance(plan, ScenePlan | Mapping):
            raise InvalidArgument("plan", f"must be a ScenePlan or a plan dict, got {plan!r:.80}")
        return self.generate(
            plan, output=output, options=options, progress=progress, timeout=timeout, **overrides
        )

    def generate_many(
        self,
        scenes: Iterable[Source | Mapping[str, Any]],
        *,
        max_concurrency: int = 4,
        return_exceptions: bool = False,
        **common: Any,
    ) -> list[Any]:
        """Generate many scenes concurrently; results in the order given.

        Each item is a source, or a dict of `generate` arguments with a `scene` key; `common`
        arguments apply to all. With `return_exceptions`, a failure takes its item's place.
        """
        if max_concurrency < 1:
            raise InvalidArgument("max_concurrency", f"must be >= 1, got {max_concurrency}")
        items = [_many_kwargs(item) for item in scenes]

        def one(item: tuple[Source, dict[str, Any]]) -> Any:
            source, kwargs = item
            try:
                return self.generate(source, **{**common, **kwargs})
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
            return list(pool.map(one, items))

    def continue_clip(
        self,
        clip: Path | str,
        *,
        duration: float,
        description: str = "",
        only_new: bool = False,
        events: bool = True,
        output: Path | str | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """Continue a recording: the clip followed by `duration` s of what comes next (only
        the new part with `only_new`), its seam marked; rate, channels and loudness default to
        the clip's. Keyword overrides are RenderOptions fields."""
        from soundloom.continuation_client import (
            CONTINUE_TIMEOUT_S,
            check_overrides,
            continue_embedded,
            upload,
            with_output_format,
        )

        given = with_output_format(check_overrides(overrides), output)
        if self._remote is None:
            asset = continue_embedded(
                self._core.cache,
                self._core.use_cache,
                clip,
                duration,
                description,
                only_new,
                events,
                given,
                progress,
            )
        else:
            asset = self._remote.generate(
                upload(clip, duration, description, only_new, events, given),
                timeout or self._core.timeout or CONTINUE_TIMEOUT_S,
                self._core.cache.staging,
                progress,
                self._core.commit_download,
                method="ContinueClip",
            )
        return asset if output is None else asset.save(output)

    def dub(
        self,
        video: Path | str,
        *,
        description: str = "",
        shots: Sequence[str] = (),
        keep_audio: bool = False,
        captioner: Path | str | None = None,
        output: Path | str | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """A soundtrack for a video, in sync with its cuts and motion (beds per place, one-shots
        at motion onsets); `shots` gives words per shot, `captioner` (an image-captioning model
        folder, in-process only) words for shots without any. Keyword overrides are
        RenderOptions fields."""
        from soundloom.continuation_client import check_overrides, with_output_format
        from soundloom.dub_client import DUB_TIMEOUT_S, dub_embedded, upload

        given = with_output_format(check_overrides(overrides), output)
        if self._remote is None:
            asset = dub_embedded(
                self._core.cache,
                self._core.use_cache,
                video,
                description,
                shots,
                keep_audio,
                given,
                progress,
                captioner,
            )
        else:
            _refuse_remote_captioner(captioner)
            asset = self._remote.generate(
                upload(video, description, shots, keep_audio, given),
                timeout or self._core.timeout or DUB_TIMEOUT_S,
                self._core.cache.staging,
                progress,
                self._core.commit_download,
                method="DubVideo",
            )
        return asset if output is None else asset.save(output)

    def backends(self, *, timeout: float | None = None) -> list[Backend]:
        """Planners then renderers that the engine (here or on the server) knows."""
        if self._remote is None:
            return embedded_backends()
        from soundloom.v1 import soundloom_pb2 as pb

        limit = timeout or self._core.timeout or BACKENDS_TIMEOUT_S
        response = self._remote.unary("ListBackends", pb.ListBackendsRequest(), limit)
        return [_backend_from_proto(b) for b in response.backends]

    def _produce(self, job: _Job) -> Asset:
        if self._remote is None:
            return self._core.render_embedded(job)
        asset = self._remote.generate(
            self._core.generate_request(job),
            job.timeout_s,
            self._core.cache.staging,
            job.progress,
            self._core.commit_download,
        )
        return job.tell_plan(asset)


class AsyncClient:
    """Awaitable client, the mirror image of `Client`: the same methods, awaited.

    Embedded work runs on worker threads, so the event loop stays responsive.
    Use as an async context manager, or await `aclose()`.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        token: str | None = None,
        tls: bool | str | Path | bytes = False,
        cache: AssetCache | bool = True,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._core = _Core(target, cache, timeout)
        self._remote = (
            AsyncRemoteTransport(target, token, tls, retry) if target is not None else None
        )

    @property
    def cache(self) -> AssetCache:
        """The disk cache this client reads and writes."""
        return self._core.cache

    @property
    def target(self) -> str | None:
        """`host:port` of the server, or None in embedded mode."""
        return self._core.target

    async def aclose(self) -> None:
        """Close the channel (remote) and remove scratch files (`cache=False`)."""
        if self._remote is not None:
            await self._remote.close()
        self._core.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def plan(
        self,
        description: str | SceneRequest,
        *,
        duration: float | None = None,
        style: str = "",
        environment: str = "",
        options: RenderOptions | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> ScenePlan:
        """Plan a described scene: words -> timeline of events (nothing is rendered)."""
        request, opts = _plan_args(description, duration, style, environment, options, overrides)
        if self._remote is None:
            from soundloom_server.engine.pipeline import plan_scene

            return await asyncio.to_thread(plan_scene, request, opts)
        limit = timeout or self._core.timeout or PLAN_TIMEOUT_S
        response = await self._remote.unary(
            "PlanScene", self._core.plan_request(request, opts), limit
        )
        return plan_from_proto(response.plan)

    async def generate(
        self,
        scene: Source,
        *,
        duration: float | None = None,
        style: str = "",
        environment: str = "",
        output: Path | str | None = None,
        options: RenderOptions | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        planned: PlannedFn | None = None,
        **overrides: Any,
    ) -> Asset:
        """Generate a scene (words, request or plan) as an Asset; cache first, then render.

        Keyword overrides and `planned` are as for `Client.generate`; the cache and the
        request's fingerprint are read on a worker thread, never on the event loop.
        """
        job = await asyncio.to_thread(
            functools.partial(
                self._core.job,
                scene,
                duration=duration,
                style=style,
                environment=environment,
                output=output,
                options=options,
                overrides=overrides,
                progress=progress,
                timeout=timeout,
                planned=planned,
            )
        )
        asset = await asyncio.to_thread(self._core.cached, job)
        if asset is None:
            asset = await self._produce(job)
        if job.output is None:
            return asset
        return await asyncio.to_thread(self._core.deliver, job, asset)

    async def render(
        self,
        plan: ScenePlan | Mapping[str, Any],
        *,
        output: Path | str | None = None,
        options: RenderOptions | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """Render an (edited) plan as an Asset; cache first."""
        if not isinstance(plan, ScenePlan | Mapping):
            raise InvalidArgument("plan", f"must be a ScenePlan or a plan dict, got {plan!r:.80}")
        return await self.generate(
            plan, output=output, options=options, progress=progress, timeout=timeout, **overrides
        )

    async def generate_many(
        self,
        scenes: Iterable[Source | Mapping[str, Any]],
        *,
        max_concurrency: int = 4,
        return_exceptions: bool = False,
        **common: Any,
    ) -> list[Any]:
        """Generate many scenes concurrently; results in the order given.

        Each item is a source, or a dict of `generate` arguments with a `scene` key; `common`
        arguments apply to all. With `return_exceptions`, a failure takes its item's place.
        """
        if max_concurrency < 1:
            raise InvalidArgument("max_concurrency", f"must be >= 1, got {max_concurrency}")
        items = [_many_kwargs(item) for item in scenes]
        gate = asyncio.Semaphore(max_concurrency)

        async def one(item: tuple[Source, dict[str, Any]]) -> Any:
            source, kwargs = item
            async with gate:
                return await self.generate(source, **{**common, **kwargs})

        return list(await asyncio.gather(*map(one, items), return_exceptions=return_exceptions))

    async def continue_clip(
        self,
        clip: Path | str,
        *,
        duration: float,
        description: str = "",
        only_new: bool = False,
        events: bool = True,
        output: Path | str | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """Continue a recording (see `Client.continue_clip`), awaited."""
        from soundloom.continuation_client import (
            CONTINUE_TIMEOUT_S,
            check_overrides,
            continue_embedded,
            upload,
            with_output_format,
        )

        given = with_output_format(check_overrides(overrides), output)
        if self._remote is None:
            asset = await asyncio.to_thread(
                continue_embedded,
                self._core.cache,
                self._core.use_cache,
                clip,
                duration,
                description,
                only_new,
                events,
                given,
                progress,
            )
        else:
            messages = upload(clip, duration, description, only_new, events, given)

            def requests() -> Any:
                return _aiter(messages())

            asset = await self._remote.generate(
                requests,
                timeout or self._core.timeout or CONTINUE_TIMEOUT_S,
                self._core.cache.staging,
                progress,
                self._core.commit_download,
                method="ContinueClip",
            )
        if output is None:
            return asset
        return await asyncio.to_thread(asset.save, output)

    async def dub(
        self,
        video: Path | str,
        *,
        description: str = "",
        shots: Sequence[str] = (),
        keep_audio: bool = False,
        captioner: Path | str | None = None,
        output: Path | str | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        **overrides: Any,
    ) -> Asset:
        """A soundtrack for a video (see `Client.dub`), awaited."""
        from soundloom.continuation_client import check_overrides, with_output_format
        from soundloom.dub_client import DUB_TIMEOUT_S, dub_embedded, upload

        given = with_output_format(check_overrides(overrides), output)
        if self._remote is None:
            asset = await asyncio.to_thread(
                dub_embedded,
                self._core.cache,
                self._core.use_cache,
                video,
                description,
                shots,
                keep_audio,
                given,
                progress,
                captioner,
            )
        else:
            _refuse_remote_captioner(captioner)
            messages = upload(video, description, shots, keep_audio, given)

            def requests() -> Any:
                return _aiter(messages())

            asset = await self._remote.generate(
                requests,
                timeout or self._core.timeout or DUB_TIMEOUT_S,
                self._core.cache.staging,
                progress,
                self._core.commit_download,
                method="DubVideo",
            )
        if output is None:
            return asset
        return await asyncio.to_thread(asset.save, output)

    async def backends(self, *, timeout: float | None = None) -> list[Backend]:
        """Planners then renderers that the engine (here or on the server) knows."""
        if self._remote is None:
            return await asyncio.to_thread(embedded_backends)
        from soundloom.v1 import soundloom_pb2 as pb

        limit = timeout or self._core.timeout or BACKENDS_TIMEOUT_S
        response = await self._remote.unary("ListBackends", pb.ListBackendsRequest(), limit)
        return [_backend_from_proto(b) for b in response.backends]

    async def _produce(self, job: _Job) -> Asset:
        if self._remote is None:
            return await asyncio.to_thread(self._core.render_embedded, job)
        asset = await self._remote.generate(
            self._core.generate_request(job),
            job.timeout_s,
            self._core.cache.staging,
            job.progress,
            self._core.commit_download,
        )
        return job.tell_plan(asset)


async def _aiter(items: Iterable[Any]) -> Any:
    """An async iterator over a (file-reading) iterator: grpc.aio takes async request streams."""
    for item in items:
        yield item
