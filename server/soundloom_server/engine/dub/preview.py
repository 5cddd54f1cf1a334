"""A preview: the video's own picture (stream-copied, not re-encoded) with the new soundtrack."""

from __future__ import annotations

import subprocess
from pathlib import Path

from soundloom_server.engine.dub.video import video_extra
from soundloom_server.engine.errors import InvalidArgument


def ffmpeg_exe() -> str:
    """The ffmpeg binary imageio-ffmpeg bundles (no system ffmpeg needed)."""
    imageio_ffmpeg = video_extra("imageio_ffmpeg", "preview", "needs imageio-ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


def extract_audio(video: Path, out: Path, sample_rate: int = 48000) -> None:
    """The video's own sound as 16-bit stereo WAV at `sample_rate`."""
    command = [
        ffmpeg_exe(), "-y", "-v", "error", "-i", str(video), "-vn", "-map", "0:a:0",
        "-ac", "2", "-ar", str(sample_rate), "-c:a", "pcm_s16le", str(out),
    ]  # fmt: skip
    _run(command, "keep_audio", out)


def mux_preview(video: Path, audio: Path, out: Path) -> None:
    """Write `out` (MP4): the video stream copied, the audio encoded AAC, cut to the shorter."""
    command = [
        ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-i",
        str(video),
        "-i",
        str(audio),
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        "-shortest",
        "-movflags",
        "+faststart",
        str(out),
    ]
    _run(command, "preview", out)


def _run(command: list[str], field: str, out: Path) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "ffmpeg failed"
        raise InvalidArgument(field, f"could not write {out}: {detail}")
