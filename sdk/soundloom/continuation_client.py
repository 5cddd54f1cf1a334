"""What `Client.continue_clip` and `AsyncClient.continue_clip` share: the embedded job (analyse,
plan, render, cache by the plan's content address) and the upload for the ContinueClip RPC."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soundloom.asset import FORMAT_SUFFIX, Asset
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.remote import ProgressFn
from soundloom.uploads import existing_file, file_upload
from soundloom_server.engine.plan import RenderOptions


@dataclass(frozen=True)
class ClipJob:
    """One continue_clip call, its arguments checked: the clip, how much more, the options."""

    clip: Path | str
    duration: float
    description: str
    only_new: bool
    events: bool
    overrides: dict[str, Any]  # render options given by keyword, None values dropped


def with_output_format(overrides: dict[str, Any], output: Path | str | None) -> dict[str, Any]:
    """`output="more.ogg"` means OGG unless a format was given."""
    if output is not None and "format" not in overrides:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in FORMAT_SUFFIX:
            return {**overrides, "format": suffix}
    return overrides


def continue_embedded(
    cache: AssetCache, use_cache: bool, job: ClipJob, progress: ProgressFn | None
) -> Asset:
    """Analyse and plan in this process; render unless the cache has the plan's asset."""
    from soundloom_server.engine.continuation.job import (
        ContinueRequest,
        default_options,
        mark_seam,
        prepare,
    )
    from soundloom_server.engine.produce import main_file, produce

    overrides = job.overrides
    request = ContinueRequest(
        str(job.clip), job.duration, job.description, job.only_new, job.events
    )
    prepared = prepare(
        request,
        seed=int(overrides.get("seed", 0)),
        planner=overrides.get("planner", "rules"),
        renderer=overrides.get("renderer", RenderOptions().renderer),
    )
    options = default_options(prepared, **overrides)
    plan, options, key = canonical(prepared.planned.plan, options)
    if use_cache and (hit := cache.get(key)) is not None:
        return hit

    with cache.staging() as work:
        seam = functools.partial(mark_seam, seam_s=prepared.planned.seam_s)
        produce(plan, options, main_file(work, options), key, progress, edit=seam)
        return cache.commit(key, work)


def upload(job: ClipJob) -> Callable[[], Iterator[Any]]:
    """ContinueClip's request stream (made afresh for each attempt): header, then the file."""
    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom_server.plan_proto import options_to_proto

    path = existing_file("clip", job.clip)
    overrides = job.overrides
    options = options_to_proto(_options_for_proto(overrides))
    # Rate, channels and loudness not asked for stay the clip's: the server reads them unset.
    for name in ("sample_rate", "channels"):
        if name not in overrides:
            options.ClearField(name)
    if "loudness" not in overrides:
        options.ClearField("loudness")
    header = pb.ContinueClipHeader(
        duration_s=job.duration,
        description=job.description,
        only_new=job.only_new,
        no_events=not job.events,
        options=options,
        clip_name=path.name[:200],
    )

    return file_upload(path, header, pb.ContinueClipRequest)


def _options_for_proto(overrides: dict[str, Any]) -> RenderOptions:
    from dataclasses import replace

    from soundloom_server.engine.plan import validate_options

    return validate_options(replace(RenderOptions(format="wav"), **overrides))
