"""Client-streaming uploads (ContinueClip, DubVideo): the header message, then the file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from soundloom.errors import InvalidArgument

UPLOAD_CHUNK = 256 << 10  # bytes per message (well under gRPC's 1 MiB default)


def existing_file(field: str, given: Path | str) -> Path:
    """The file to upload; InvalidArgument naming `field` when there is none there."""
    path = Path(given)
    if not path.is_file():
        raise InvalidArgument(field, f"does not exist: {path}")
    return path


def file_upload(path: Path, header: Any, message: type) -> Callable[[], Iterator[Any]]:
    """The request stream (made afresh for each attempt): `message(header=...)`, then
    `message(data=...)` for each chunk of the file."""

    def messages() -> Iterator[Any]:
        yield message(header=header)
        with path.open("rb") as f:
            while data := f.read(UPLOAD_CHUNK):
                yield message(data=data)

    return messages
