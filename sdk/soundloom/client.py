"""`Client` and `AsyncClient`: the same methods, blocking and awaitable (as httpx's are).

`Client()` runs the engine in this process; `Client("host:port", token=..., tls=...)` talks gRPC
to a Soundloom server. Both look in the disk cache first, by the same content address the server
uses, so a cached `generate` needs neither the engine nor the server. Where the work runs is the
client's engine (`soundloom.engines`), chosen once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.cache import AssetCache
from soundloom.client_core import (
    BACKENDS_TIMEOUT_S,
    PLAN_TIMEOUT_S,
    Core,
    PlannedFn,
    ProgressFn,
    Source,
    many_kwargs,
    plan_args,
    render_to_directory,
    scene_source,
)
from soundloom.engines import AsyncEmbeddedEngine, AsyncServerEngine, EmbeddedEngine, ServerEngine
from soundloom.errors import InvalidArgument
from soundloom.remote import AsyncRemoteTransport, RemoteTransport, RetryPolicy
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.registry import BackendStatus as Backend

__all__ = [
    "AsyncClient",
    "Backend",
    "Client",
    "Source",
    "render_to_directory",
    "scene_source",
]


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
        self._core = Core(target, cache, timeout)
        self._engine: EmbeddedEngine | ServerEngine = (
            EmbeddedEngine(self._core)
            if target is None
            else ServerEngine(self._core, RemoteTransport(target, token, tls, retry))
        )

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
        self._engine.close()
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
        request, opts = plan_args(description, duration, style, environment, options, overrides)
        return self._engine.plan(request, opts, timeout or self._core.timeout or PLAN_TIMEOUT_S)

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
        asset = self._core.cached(job) or self._engine.produce(job)
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
        items = [many_kwargs(item) for item in scenes]

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
            with_output_format,
        )

        given = with_output_format(check_overrides(overrides), output)
        args = (clip, duration, description, only_new, events, given)
        limit = timeout or self._core.timeout or CONTINUE_TIMEOUT_S
        asset = self._engine.continue_clip(args, progress, limit)
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
        from soundloom.dub_client import DUB_TIMEOUT_S

        given = with_output_format(check_overrides(overrides), output)
        args = (video, description, shots, keep_audio, given, captioner)
        asset = self._engine.dub(args, progress, timeout or self._core.timeout or DUB_TIMEOUT_S)
        return asset if output is None else asset.save(output)

    def backends(self, *, timeout: float | None = None) -> list[Backend]:
        """Planners then renderers that the engine (here or on the server) knows."""
        return self._engine.backends(timeout or self._core.timeout or BACKENDS_TIMEOUT_S)


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
        self._core = Core(target, cache, timeout)
        self._engine: AsyncEmbeddedEngine | AsyncServerEngine = (
            AsyncEmbeddedEngine(self._core)
            if target is None
            else AsyncServerEngine(self._core, AsyncRemoteTransport(target, token, tls, retry))
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
        await self._engine.close()
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
        request, opts = plan_args(description, duration, style, environment, options, overrides)
        limit = timeout or self._core.timeout or PLAN_TIMEOUT_S
        return await self._engine.plan(request, opts, limit)

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
            asset = await self._engine.produce(job)
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
        items = [many_kwargs(item) for item in scenes]
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
            with_output_format,
        )

        given = with_output_format(check_overrides(overrides), output)
        args = (clip, duration, description, only_new, events, given)
        limit = timeout or self._core.timeout or CONTINUE_TIMEOUT_S
        asset = await self._engine.continue_clip(args, progress, limit)
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
        from soundloom.dub_client import DUB_TIMEOUT_S

        given = with_output_format(check_overrides(overrides), output)
        args = (video, description, shots, keep_audio, given, captioner)
        limit = timeout or self._core.timeout or DUB_TIMEOUT_S
        asset = await self._engine.dub(args, progress, limit)
        if output is None:
            return asset
        return await asyncio.to_thread(asset.save, output)

    async def backends(self, *, timeout: float | None = None) -> list[Backend]:
        """Planners then renderers that the engine (here or on the server) knows."""
        return await self._engine.backends(timeout or self._core.timeout or BACKENDS_TIMEOUT_S)
