"""Which engine code makes an asset, as a short hash, so cache keys change when the code does.

A recipe redesigned, a planner rule or the mix changed: the same request now sounds different,
so an asset cached by the old code must not be served for it. The engine's own sources (and
the sample pack's manifest, which holds every recording's sha256) are hashed once per process.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

ENGINE_ROOT = Path(__file__).resolve().parent
HASHED_SUFFIXES = (".py", ".json")


def source_fingerprint(root: Path) -> str:
    """sha256 (16 hex) of the sources and manifests under `root` (their paths and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in HASHED_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def engine_fingerprint() -> str:
    """The engine package's `source_fingerprint`, computed once per process (~15 ms)."""
    return source_fingerprint(ENGINE_ROOT)
