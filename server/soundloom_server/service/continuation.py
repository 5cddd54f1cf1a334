"""ContinueClip's upload: the header, then the clip's bytes; kept in the store's `clips/` by
content hash, so the continuation plan names a file that stays the same."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.continuation.job import (
    ContinueRequest,
    default_options,
    mark_seam,
    prepare,
)
from soundloom_server.engine.continuation.source import decode_clip
from soundloom_server.engine.plan import RenderOptions
from soundloom_server.plan_proto import options_from_proto
from soundloom_server.service import uploads

MAX_CLIP_BYTES = 256 << 20
_SAFE_SUFFIX = re.compile(r"^\.(wav|flac|ogg|oga)$")


async def receive_upload(
    requests: AsyncIterator[pb.ContinueClipRequest],
) -> tuple[pb.ContinueClipHeader, bytes]:
    """The header (first) and the clip's bytes; errors name `header` or `clip`."""
    return await uploads.receive_upload(requests, MAX_CLIP_BYTES, "clip", "a clip is at most 600 s")


def header_options(header: pb.ContinueClipHeader) -> dict[str, Any]:
    """The render options the header sets; rate, channels and loudness left unset stay the
    clip's."""
    given = options_from_proto(header.options)
    chosen: dict[str, Any] = {
        "format": given.format,
        "bit_depth": given.bit_depth,
        "true_peak_db": given.true_peak_db,
        "seed": given.seed,
        "loop": given.loop,
        "segment_s": given.segment_s,
        "stems": given.stems,
        "planner": given.planner,
        "renderer": given.renderer,
    }
    if header.options.sample_rate:
        chosen["sample_rate"] = given.sample_rate
    if header.options.channels:
        chosen["channels"] = given.channels
    if header.options.WhichOneof("loudness") is not None:
        chosen["loudness"] = given.loudness
    return chosen


def prepare_upload(
    header: pb.ContinueClipHeader, data: bytes, clips_dir: Path
) -> tuple[Any, RenderOptions, Callable[[Any], Any]]:
    """Check the clip, keep it, and make its continuation plan, options and seam marking."""
    uploads.check_names(header.clip_name, "clip_name", header.client_request_id)
    name = Path(header.clip_name).name or "clip"
    decode_clip(data, name)  # refused here, before anything is kept
    path = uploads.keep_upload(data, clips_dir, uploads.safe_suffix(name, _SAFE_SUFFIX, ".audio"))
    overrides = header_options(header)
    request = ContinueRequest(
        clip=str(path),
        duration_s=header.duration_s,
        description=header.description,
        only_new=header.only_new,
        events=not header.no_events,
        name=name,
    )
    prepared = prepare(
        request,
        seed=overrides["seed"],
        planner=overrides["planner"],
        renderer=overrides["renderer"],
    )
    options = default_options(prepared, **overrides)
    return (
        prepared.planned.plan,
        options,
        functools.partial(_mark, seam_s=prepared.planned.seam_s),
    )


def _mark(scene: Any, seam_s: float) -> Any:
    return mark_seam(scene, seam_s)
