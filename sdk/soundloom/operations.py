"""What each client method does, written once as steps (`soundloom.steps`).

`Client` runs these blocking and `AsyncClient` awaited (`soundloom.client`), so the two clients
cannot drift apart: the arguments, defaults, checks and order of work below are both of theirs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from soundloom.asset import Asset
from soundloom.client_core import (
    BACKENDS_TIMEOUT_S,
    CONTINUE_TIMEOUT_S,
    DUB_TIMEOUT_S,
    PLAN_TIMEOUT_S,
    Core,
    PlannedFn,
    ProgressFn,
    Source,
    check_overrides,
    many_kwargs,
    plan_args,
)
from soundloom.continuation_client import ClipJob, with_output_format
from soundloom.dub_client import DubJob
from soundloom.engines import EmbeddedEngine, ServerEngine
from soundloom.errors import InvalidArgument
from soundloom.steps import Concurrently, Local, Steps
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.registry import BackendStatus as Backend


class ClientState(Protocol):
    """What an operation uses of a client: arguments and cache (`core`), and its engine."""

    core: Core
    engine: EmbeddedEngine | ServerEngine


def close(client: ClientState) -> Steps[None]:
    """Close the channel (remote) and remove scratch files (`cache=False`)."""
    yield from client.engine.close()
    client.core.close()


def plan(
    client: ClientState,
    description: str | SceneRequest,
    *,
    duration: float | None = None,
    style: str = "",
    environment: str = "",
    options: RenderOptions | None = None,
    timeout: float | None = None,
    **overrides: Any,
) -> Steps[ScenePlan]:
    """Plan a described scene: words -> timeline of events (nothing is rendered)."""
    request, opts = plan_args(description, duration, style, environment, options, overrides)
    limit = client.core.time_limit(timeout, PLAN_TIMEOUT_S)
    return (yield from client.engine.plan(request, opts, limit))


def generate(
    client: ClientState,
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
) -> Steps[Asset]:
    """Generate a scene (words, request or plan) as an Asset; cache first, then render.

    Keyword overrides are RenderOptions fields: `format`, `loudness`, `seed`, `loop`,
    `sample_rate`, `channels`, `bit_depth`, `segment_s`, `stems`, `planner`, `renderer`...
    With `output`, the files are also saved there (the suffix picks the format).
    `planned` is called once with the plan: before rendering when it renders here, else
    (a cache hit, a server's render) with the result. Awaited, the cache and the request's
    fingerprint are read on a worker thread, never on the event loop.
    """
    core = client.core
    job = yield Local(
        functools.partial(
            core.job,
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
    asset = yield Local(functools.partial(core.cached, job))
    if asset is None:
        asset = yield from client.engine.produce(job)
    return (yield from _saved(asset, job.output))


def render(
    client: ClientState,
    plan: ScenePlan | Mapping[str, Any],
    *,
    output: Path | str | None = None,
    options: RenderOptions | None = None,
    progress: ProgressFn | None = None,
    timeout: float | None = None,
    **overrides: Any,
) -> Steps[Asset]:
    """Render an (edited) plan as an Asset; cache first."""
    if not isinstance(plan, ScenePlan | Mapping):
        raise InvalidArgument("plan", f"must be a ScenePlan or a plan dict, got {plan!r:.80}")
    return (
        yield from generate(
            client,
            plan,
            output=output,
            options=options,
            progress=progress,
            timeout=timeout,
            **overrides,
        )
    )


def generate_many(
    client: ClientState,
    scenes: Iterable[Source | Mapping[str, Any]],
    *,
    max_concurrency: int = 4,
    return_exceptions: bool = False,
    **common: Any,
) -> Steps[list[Any]]:
    """Generate many scenes concurrently; results in the order given.

    Each item is a source, or a dict of `generate` arguments with a `scene` key; `common`
    arguments apply to all. With `return_exceptions`, a failure takes its item's place.
    """
    if max_concurrency < 1:
        raise InvalidArgument("max_concurrency", f"must be >= 1, got {max_concurrency}")
    runs = [
        functools.partial(generate, client, source, **{**common, **kwargs})
        for source, kwargs in map(many_kwargs, scenes)
    ]
    return (yield Concurrently(runs, max_concurrency, return_exceptions))


def continue_clip(
    client: ClientState,
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
) -> Steps[Asset]:
    """Continue a recording: the clip followed by `duration` s of what comes next (only
    the new part with `only_new`), its seam marked; rate, channels and loudness default to
    the clip's. Keyword overrides are RenderOptions fields."""
    given = with_output_format(check_overrides(overrides), output)
    job = ClipJob(clip, duration, description, only_new, events, given)
    limit = client.core.time_limit(timeout, CONTINUE_TIMEOUT_S)
    asset = yield from client.engine.continue_clip(job, progress, limit)
    return (yield from _saved(asset, output))


def dub(
    client: ClientState,
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
) -> Steps[Asset]:
    """A soundtrack for a video, in sync with its cuts and motion (beds per place, one-shots
    at motion onsets); `shots` gives words per shot, `captioner` (an image-captioning model
    folder, in-process only) words for shots without any. Keyword overrides are
    RenderOptions fields."""
    given = with_output_format(check_overrides(overrides), output)
    job = DubJob(video, description, shots, keep_audio, given, captioner)
    limit = client.core.time_limit(timeout, DUB_TIMEOUT_S)
    asset = yield from client.engine.dub(job, progress, limit)
    return (yield from _saved(asset, output))


def backends(client: ClientState, *, timeout: float | None = None) -> Steps[list[Backend]]:
    """Planners then renderers that the engine (here or on the server) knows."""
    return (yield from client.engine.backends(client.core.time_limit(timeout, BACKENDS_TIMEOUT_S)))


def _saved(asset: Asset, output: Path | str | None) -> Steps[Asset]:
    """The asset, its files also saved at `output` when one is given (disk work: `Local`)."""
    if output is None:
        return asset
    return (yield Local(functools.partial(asset.save, output)))
