"""Client-streaming uploads (ContinueClip, DubVideo): a header message first, then the file's
bytes; kept in the store by content hash, so a plan names a file that stays the same."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc

from soundloom_server.service.errors import ServiceError, invalid

MAX_NAME = 200
MAX_REQUEST_ID = 128


async def receive_upload(
    requests: AsyncIterator[Any], max_bytes: int, what: str, limit_note: str
) -> tuple[Any, bytes]:
    """The header (first) and the file's bytes; errors name `header` or `what`."""
    header: Any = None
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
            raise invalid("header", f"must be the first message, before the {what}'s bytes")
        size += len(message.data)
        if size > max_bytes:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{what}: more than {max_bytes >> 20} MiB uploaded; {limit_note}",
            )
        parts.append(message.data)
    if header is None:
        raise invalid("header", "must be sent: the first message says what to do")
    return header, b"".join(parts)


def check_names(name: str, name_field: str, request_id: str) -> None:
    """Refuse an over-long file name or request id, naming the header field."""
    if len(name) > MAX_NAME:
        raise invalid(f"header.{name_field}", f"must be at most {MAX_NAME} characters")
    if len(request_id) > MAX_REQUEST_ID:
        raise invalid("header.client_request_id", f"must be at most {MAX_REQUEST_ID} characters")


def safe_suffix(name: str, allowed: re.Pattern[str], fallback: str) -> str:
    """The file name's suffix when it is one of `allowed`, else `fallback` (never a path)."""
    suffix = Path(name).suffix.lower()
    return suffix if allowed.match(suffix) else fallback


def keep_upload(data: bytes, folder: Path, suffix: str) -> Path:
    """The bytes kept as folder/<sha256><suffix> (written once, atomically)."""
    path = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    return path
