"""What `Client.dub` and `AsyncClient.dub` share: the embedded job (see the picture, plan,
render, cache by the plan's content address) and the upload for the DubVideo RPC."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.remote import ProgressFn
from soundloom.uploads import existing_file, file_upload


@dataclass(frozen=True)
class DubJob:
    """One dub call, its arguments checked: the video, words for it, the options."""

    video: Path | str
    description: str
    shots: Sequence[str]  # words per shot
    keep_audio: bool
    overrides: dict[str, Any]  # render options given by keyword, None values dropped
    captioner: Path | str | None  # an image-captioning model folder (in-process only)


def dub_embedded(
    cache: AssetCache, use_cache: bool, job: DubJob, progress: ProgressFn | None
) -> Asset:
    """Analyse and plan in this process; render unless the cache has the plan's asset."""
    from soundloom_server.engine.dub.job import mark_cuts, prepare_dub
    from soundloom_server.engine.plan import RenderOptions, validate_options
    from soundloom_server.engine.produce import main_file, produce

    options = validate_options(replace(RenderOptions(), **job.overrides))
    video = Path(job.video)
    own = None
    if job.keep_audio:  # the video's own sound, beside the cache's entries by the video's hash
        from soundloom_server.engine.checksums import file_sha256

        own = cache.root / "sources" / f"{file_sha256(video)}.source.wav"
        own.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(job.captioner) if job.captioner is not None else None
    dubbed = prepare_dub(video, job.description, list(job.shots), options, own, folder)
    plan, options, key = canonical(dubbed.plan, options)
    if use_cache and (hit := cache.get(key)) is not None:
        return hit

    with cache.staging() as work:
        marked = functools.partial(mark_cuts, picture=dubbed.picture)
        produce(plan, options, main_file(work, options), key, progress, edit=marked)
        return cache.commit(key, work)


def upload(job: DubJob) -> Callable[[], Iterator[Any]]:
    """DubVideo's request stream (made afresh for each attempt): header, then the file."""
    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom_server.engine.plan import RenderOptions, validate_options
    from soundloom_server.plan_proto import options_to_proto

    path = existing_file("video", job.video)
    options = options_to_proto(validate_options(replace(RenderOptions(), **job.overrides)))
    header = pb.DubVideoHeader(
        description=job.description,
        keep_audio=job.keep_audio,
        options=options,
        video_name=path.name[:200],
    )
    header.shots.extend(job.shots)

    return file_upload(path, header, pb.DubVideoRequest)
