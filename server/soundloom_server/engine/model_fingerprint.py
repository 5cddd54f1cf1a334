"""Which weights a neural backend would use, as a short hash, so cache keys change with the model.

Hashing gigabytes of weights per request is out of the question; a folder's configs (contents),
and its other files' names and sizes identify a `save_pretrained` checkpoint well enough.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

CONFIG_SUFFIXES = (".json", ".txt", ".model", ".jinja")
MAX_CONFIG_BYTES = 4 << 20  # a tokenizer.json can be a few MB; weights are never read


def folder_fingerprint(folder: str | os.PathLike[str] | None) -> str:
    """sha256 (16 hex) of a model folder's configs and its files' names and sizes; '' if none.

    A single-file model (a .gguf) is named by its name and size, as a folder's weights are.
    """
    if folder is None:
        return ""
    root = Path(folder).expanduser()
    if root.is_file():
        stat = root.stat()
        return _digest(str(root.parent), ((root.name, stat.st_size, stat.st_mtime_ns),))
    if not root.is_dir():
        return "missing:" + str(root)
    listing = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        listing.append((path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns))
    # Cache keys ask for this on every request: stat the files each time (cheap), re-read the
    # configs only when a file was added, removed or rewritten.
    return _digest(str(root), tuple(listing))


@lru_cache(maxsize=16)
def _digest(root: str, listing: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for relative, size, _ in listing:
        digest.update(f"{relative}\0{size}\0".encode())
        path = Path(root) / relative
        if path.suffix in CONFIG_SUFFIXES and size <= MAX_CONFIG_BYTES:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
