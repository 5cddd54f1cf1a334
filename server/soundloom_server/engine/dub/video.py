"""Reading a video for dubbing: checked up front, then decoded small and grey, frame by frame.

PyAV (FFmpeg's libraries) decodes; the picture is only analysed, so every frame is scaled to
`ANALYSIS_SIZE` luma on the way out of the decoder, which keeps a minute of 720p to seconds.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soundloom_server.engine.errors import InvalidArgument

MAX_VIDEO_S = 600.0
ANALYSIS_SIZE = (160, 90)  # width, height of the analysed picture


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its video stream (and whether it carries sound)."""

    path: Path
    fps: float
    frames: int
    duration_s: float
    width: int
    height: int
    codec: str
    has_audio: bool


def video_extra(module: str, field: str, needs: str) -> Any:
    """A module of the optional `video` extra, imported only when a dub needs it; without it,
    InvalidArgument naming `field` and saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:  # pragma: no cover - the video extra is not installed
        raise InvalidArgument(field, f"{needs}: pip install 'soundloom[video]'") from err


def _av() -> Any:
    """PyAV, imported only by the dub job."""
    return video_extra("av", "video", "dubbing needs PyAV")


def probe_video(path: Path, field: str = "video") -> VideoInfo:
    """Open and check a video: one line naming what is wrong when it cannot be dubbed."""
    av = _av()
    if not path.is_file():
        raise InvalidArgument(field, f"no such file: {path}")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
        if _looks_like_video(path):
            raise InvalidArgument(field, f"is corrupt or truncated: {path}") from err
        raise InvalidArgument(field, f"is not a video file FFmpeg can read: {path}") from err
    with container:
        streams = container.streams.video
        if not streams:
            kind = "an audio-only file" if container.streams.audio else "no video stream"
            raise InvalidArgument(field, f"has no video stream ({kind}): {path}")
        stream = streams[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        if fps <= 0.0:
            raise InvalidArgument(field, f"has no frame rate: {path}")
        _check_decodable(container, stream, path, field)
        frames, duration = _count_frames(container, stream, path, field)
        if frames == 0:
            raise InvalidArgument(field, f"has no decodable frames: {path}")
        if duration > MAX_VIDEO_S:
            raise InvalidArgument(
                field, f"is {duration:.1f} s long, longer than {MAX_VIDEO_S:g} s: {path}"
            )
        return VideoInfo(
            path,
            fps,
            frames,
            duration,
            stream.codec_context.width,
            stream.codec_context.height,
            stream.codec_context.name,
            bool(container.streams.audio),
        )


# Container signatures: a file that starts like a video but will not open is damaged, not alien.
_SIGNATURES = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"), (0, b"RIFF"), (0, b"OggS"), (0, b"FLV"))


def _looks_like_video(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(12)
    return any(head[at : at + len(magic)] == magic for at, magic in _SIGNATURES)


def _check_decodable(container: Any, stream: Any, path: Path, field: str) -> None:
    """Decode the first frame: a codec FFmpeg cannot decode is named here, not mid-analysis."""
    av = _av()
    name = getattr(stream.codec_context, "name", None) or "unknown"
    try:
        for _ in container.decode(stream):
            break
    except (av.error.FFmpegError, ValueError) as err:
        raise InvalidArgument(
            field, f"has a video codec FFmpeg cannot decode here ({name}): {path}"
        ) from err
    container.seek(0)


def _count_frames(container: Any, stream: Any, path: Path, field: str) -> tuple[int, float]:
    """Frames and duration from decoding the packets' headers (a damaged file fails here)."""
    av = _av()
    count, last = 0, 0.0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            count += 1
            if packet.pts is not None and packet.time_base is not None:
                last = max(last, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except av.error.FFmpegError as err:
        raise InvalidArgument(field, f"is corrupt or truncated: {path}") from err
    fps = float(stream.average_rate or stream.guessed_rate)
    return count, max(last, count / fps)


def grey_frames(info: VideoInfo) -> Iterator[np.ndarray]:
    """Every frame as float32 luma (height, width) at ANALYSIS_SIZE, in presentation order."""
    av = _av()
    width, height = ANALYSIS_SIZE
    try:
        with av.open(str(info.path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                small = frame.reformat(width=width, height=height, format="gray")
                yield small.to_ndarray().astype(np.float32)
    except av.error.FFmpegError as err:
        raise InvalidArgument("video", f"is corrupt or truncated: {info.path}") from err


def rgb_frames(info: VideoInfo, indices: list[int], size: tuple[int, int]) -> list[np.ndarray]:
    """The frames at `indices` (in order) as RGB uint8 (height, width, 3) at `size`."""
    av = _av()
    wanted, found = set(indices), {}
    try:
        with av.open(str(info.path)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i in wanted:
                    found[i] = frame.reformat(width=size[0], height=size[1], format="rgb24")
                    found[i] = found[i].to_ndarray()
                if len(found) == len(wanted):
                    break
    except av.error.FFmpegError as err:
        raise InvalidArgument("video", f"is corrupt or truncated: {info.path}") from err
    return [found[i] for i in indices if i in found]
