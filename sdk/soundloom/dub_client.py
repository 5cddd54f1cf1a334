"""What `Client.dub` and `AsyncClient.dub` share: the embedded job (see the picture, plan,
render, cache by the plan's content address) and the upload for the DubVideo RPC."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.errors import InvalidArgument
from soundloom.uploads import file_upload

ProgressFn = Callable[[str, float], None]
DUB_TIMEOUT_S = 900.0


def dub_embedded(
    cache: AssetCache,
    use_cache: bool,
    video: Path | str,
    description: str,
    shots: Sequence[str],
    keep_audio: bool,
    overrides: dict[str, Any],
    progress: ProgressFn | None,
    captioner: Path | str | None = None,
) -> Asset:
    """Analyse and plan in this process; render unless the cache has the plan's asset."""
    from soundloom_server.engine.dub.job import mark_cuts, prepare_dub
    from soundloom_server.engine.plan import RenderOptions, validate_options
    from soundloom_server.engine.produce import main_file, produce

    options = validate_options(replace(RenderOptions(), **overrides))
    own = None
    if keep_audio:  # the video's own sound, kept beside the cache's entries by the video's hash
        from soundloom_server.engine.checksums import file_sha256

        own = cache.root / "sources" / f"{file_sha256(Path(video))}.source.wav"
        own.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(captioner) if captioner is not None else None
    dubbed = prepare_dub(Path(video), description, list(shots), options, own, folder)
    plan, options, key = canonical(dubbed.plan, options)
    if use_cache and (hit := cache.get(key)) is not None:
        return hit

    with cache.staging() as work:
        marked = functools.partial(mark_cuts, picture=dubbed.picture)
        produce(plan, options, main_file(work, options), key, progress, edit=marked)
        return cache.commit(key, work)


def upload(
    video: Path | str,
    description: str,
    shots: Sequence[str],
    keep_audio: bool,
    overrides: dict[str, Any],
) -> Callable[[], Iterator[Any]]:
    """DubVideo's request stream (made afresh for each attempt): header, then the file."""
    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom_server.engine.plan import RenderOptions, validate_options
    from soundloom_server.plan_proto import options_to_proto

    path = Path(video)
    if not path.is_file():
        raise InvalidArgument("video", f"does not exist: {path}")
    options = options_to_proto(validate_options(replace(RenderOptions(), **overrides)))
    header = pb.DubVideoHeader(
        description=description,
        keep_audio=keep_audio,
        options=options,
        video_name=path.name[:200],
    )
    header.shots.extend(shots)

    return file_upload(path, header, pb.DubVideoRequest)
