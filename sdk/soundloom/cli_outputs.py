"""Where `generate` and `render` write, checked before any sample is rendered.

Every output (the main file, its sidecar, stems, segments, `--spectrogram`, `--plan-out`) is
checked up front: a path that cannot be written is one line naming the path and the reason,
exit 2, and nothing written. `-o DIR` writes into DIR under a name from the description, and an
output's suffix must be the format written (no Ogg inside a `.mp3`).
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import FORMAT_SUFFIX, FORMATS

_SLUG_WORD = re.compile(r"[a-z0-9]+")
SLUG_WORDS = 6
SLUG_CHARS = 48


def slug(text: str, fallback: str = "scene") -> str:
    """A short file name from words: `abandoned-harbour-at-night-rain-on`."""
    words = _SLUG_WORD.findall(text.lower())[:SLUG_WORDS]
    return "-".join(words)[:SLUG_CHARS].strip("-") or fallback


def main_output(requested: Path, fmt: str | None, name_from: str) -> tuple[Path, str]:
    """The main file's path and its format, from `-o` and `--format`.

    A directory gets a file named from `name_from`; a suffix must name the format; no suffix
    takes the format's (default ogg).
    """
    if requested.is_dir():
        chosen = fmt or "ogg"
        return requested / f"{slug(name_from)}{FORMAT_SUFFIX[chosen]}", chosen
    suffix = requested.suffix.lower().lstrip(".")
    if not suffix:
        chosen = fmt or "ogg"
        return requested.with_suffix(FORMAT_SUFFIX[chosen]), chosen
    if suffix not in FORMATS:
        allowed = ", ".join(f".{f}" for f in FORMATS)
        raise InvalidArgument(
            "output", f"{requested}: suffix .{suffix} is not a format soundloom writes ({allowed})"
        )
    if fmt is not None and fmt != suffix:
        raise InvalidArgument("format", f"{fmt} does not match the output suffix .{suffix}")
    return requested, suffix


def check_writable(path: Path, field: str) -> None:
    """Raise InvalidArgument (one line: the path and why) unless `path` can be written."""
    if path.is_dir():
        raise InvalidArgument(field, f"{path} is a directory, not a file")
    ancestor = path.parent
    while not ancestor.exists():  # missing folders are created, if their parent allows it
        if ancestor == ancestor.parent:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidArgument(field, f"{path}: {ancestor} is a file, not a directory")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
        raise InvalidArgument(field, f"{path} cannot be written: {reason}") from None


def prepare_dir(path: Path) -> None:
    """Create the folders above `path` (after `check_writable` said it can)."""
    path.parent.mkdir(parents=True, exist_ok=True)
