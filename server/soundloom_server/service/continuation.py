"""ContinueClip's upload: the header, then the clip's bytes; kept in the store's `clips/` by
content hash, so the continuation plan names a file that stays the same."""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.continuation.job import (
    ContinueRequest,
    default_options,
    mark_seam,
    prepare,
)
from soundloom_server.engine.continuation.source import decode_clip
from soundloom_server.engine.plan import RenderOptions
from soundloom_server.engine.plan_proto import options_from_proto
from soundloom_server.service.errors import ServiceError, invalid

MAX_CLIP_BYTES = 256 << 20
MAX_NAME = 200
_SAFE_SUFFIX = re.compile(r"^\.(wav|flac|ogg|oga)$")


async def receive_upload(
    requests: AsyncIterator[pb.ContinueClipRequest],
) -> tuple[pb.ContinueClipHeader, bytes]:
    """The header (first) and the clip's bytes; errors name `header` or `clip`."""
    header: pb.ContinueClipHeader | None = None
    parts: list[bytes] = []
    size = 0
    async for message in requests:
        which = message.WhichOneof("part")
        if which == "header":
            if header is not None:
                raise invalid("header", "must be sent once, as the first message")
            header = message.header
            continue
        if header is None:
            raise invalid("header", "must be the first message, before the clip's bytes")
        size += len(message.data)
        if size > MAX_CLIP_BYTES:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"clip: more than {MAX_CLIP_BYTES >> 20} MiB uploaded; a clip is at most 600 s",
            )
        parts.append(message.data)
    if header is None:
        raise invalid("header", "must be sent: the first message says what to continue")
    return header, b"".join(parts)


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
    if len(header.clip_name) > MAX_NAME:
        raise invalid("header.clip_name", f"must be at most {MAX_NAME} characters")
    if len(header.client_request_id) > 128:
        raise invalid("header.client_request_id", "must be at most 128 characters")
    name = Path(header.clip_name).name or "clip"
    clip = decode_clip(data, name)  # refused here, before anything is kept
    suffix = Path(name).suffix.lower()
    path = clips_dir / f"{clip.sha256}{suffix if _SAFE_SUFFIX.match(suffix) else '.audio'}"
    if not path.exists():
        clips_dir.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=clips_dir, prefix=".upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    overrides = header_options(header)
    request = ContinueRequest(
        clip=str(path),
        duration_s=header.duration_s,
        description=header.description,
        only_new=header.only_new,
        events=not header.no_events,
        name=name,
    )
    prepared = prepare(request, seed=overrides["seed"], planner=overrides["planner"])
    options = default_options(prepared, **overrides)
    return (
        prepared.planned.plan,
        options,
        functools.partial(_mark, seam_s=prepared.planned.seam_s),
    )


def _mark(scene: Any, seam_s: float) -> Any:
    return mark_seam(scene, seam_s)
