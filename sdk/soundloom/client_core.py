"""What `Client` and `AsyncClient` share: reading arguments into one prepared request (a `Job`),
the disk cache, and rendering into it in this process."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from soundloom.asset import FORMAT_SUFFIX, Asset
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.errors import InvalidArgument
from soundloom.remote import (
    ProgressFn,
    StreamAssembler,
    load_sidecar,
    sidecar_name,
)
from soundloom_server.engine.plan import (
    RenderOptions,
    ScenePlan,
    SceneRequest,
    checked_options,
    plan_from_dict,
    validate_request,
)
from soundloom_server.engine.registry import check_backends

Source = str | SceneRequest | ScenePlan | Mapping[str, Any]
PlannedFn = Callable[[ScenePlan], None]
PLAN_TIMEOUT_S = 60.0
GENERATE_TIMEOUT_S = 900.0
CONTINUE_TIMEOUT_S = 900.0
DUB_TIMEOUT_S = 900.0
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


def check_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword render options, refused by name when they are not RenderOptions fields; the
    ones given as None are left out (they mean "the default")."""
    unknown = sorted(set(overrides) - OPTION_NAMES)
    if unknown:
        raise InvalidArgument(
            unknown[0], f"is not a render option (one of {', '.join(sorted(OPTION_NAMES))})"
        )
    return {k: v for k, v in overrides.items() if v is not None}


def render_options(options: RenderOptions | None, overrides: Mapping[str, Any]) -> RenderOptions:
    """RenderOptions from a base (default: all defaults) and keyword overrides, validated."""
    given = check_overrides(overrides)
    # A base with nothing to override is the caller's own object: if it was checked already
    # (the CLI checks its flags), it is not checked again.
    base = options or RenderOptions()
    return checked_options(replace(base, **given) if given else base)


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


@dataclass(frozen=True)
class Job:
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


class Core:
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

    def time_limit(self, timeout: float | None, default_s: float) -> float:
        """A call's time limit: its own, else the client's, else the operation's default."""
        return timeout or self.timeout or default_s

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
    ) -> Job:
        source = scene_source(scene, duration, style, environment)
        given = dict(overrides)
        if output is not None:
            suffix = Path(output).suffix.lower().lstrip(".")
            if suffix in FORMAT_SUFFIX and "format" not in overrides and options is None:
                given["format"] = suffix  # `output="door.wav"` means WAV
        opts = render_options(options, given)
        source, opts, key = canonical(source, opts)
        target = None if output is None else Path(output)
        limit = self.time_limit(timeout, GENERATE_TIMEOUT_S)
        return Job(source, opts, key, target, progress, limit, planned)

    def cached(self, job: Job) -> Asset | None:
        if not self.use_cache:
            return None
        hit = self.cache.get(job.key)
        return None if hit is None else job.tell_plan(hit)

    def render_embedded(self, job: Job) -> Asset:
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


def plan_args(
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


def many_kwargs(item: Source | Mapping[str, Any]) -> tuple[Source, dict[str, Any]]:
    """An item of generate_many: a source, or a dict of generate's arguments with `scene`."""
    if isinstance(item, Mapping) and "scene" in item:
        kwargs = dict(item)
        return kwargs.pop("scene"), kwargs
    return item, {}
