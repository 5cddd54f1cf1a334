"""DubVideo's upload: the header, then the video's bytes; kept in the store's `videos/` by
content hash (with the video's own sound beside it when kept), then planned like the CLI's dub."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.plan import RenderOptions, ScenePlan
from soundloom_server.plan_proto import options_from_proto
from soundloom_server.service import uploads
from soundloom_server.service.errors import ServiceError

MAX_VIDEO_BYTES = 512 << 20
_SAFE_SUFFIX = re.compile(r"^\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ogv|flv|ts)$")


async def receive_upload(
    requests: AsyncIterator[pb.DubVideoRequest],
) -> tuple[pb.DubVideoHeader, bytes]:
    """The header (first) and the video's bytes; errors name `header` or `video`."""
    return await uploads.receive_upload(
        requests, MAX_VIDEO_BYTES, "video", "a video is at most 600 s"
    )


def prepare_upload(
    header: pb.DubVideoHeader, data: bytes, videos_dir: Path
) -> tuple[ScenePlan, RenderOptions, Callable[[Any], Any]]:
    """Keep the video, see its picture and plan its soundtrack (and how to mark its cuts)."""
    try:
        from soundloom_server.engine.dub.job import mark_cuts, prepare_dub
    except ImportError as err:  # pragma: no cover - the video extra is not installed
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "video: this server has no video support (install soundloom[video])",
        ) from err
    uploads.check_names(header.video_name, "video_name", header.client_request_id)
    name = Path(header.video_name).name or "video"
    path = uploads.keep_upload(data, videos_dir, uploads.safe_suffix(name, _SAFE_SUFFIX, ".video"))
    options = options_from_proto(header.options)  # validated there
    own = path.with_name(f"{path.stem}.source.wav") if header.keep_audio else None
    dubbed = prepare_dub(path, header.description, list(header.shots), options, own)
    return dubbed.plan, options, functools.partial(mark_cuts, picture=dubbed.picture)
