"""Sound banks: a `bank.toml` manifest built into a folder of game-ready files and `bank.json`.

A build is incremental and crash-safe:
- Each variation is named by its cache key. An entry whose keys and files (sha256) match the
  previous `bank.json` is not touched; one whose asset is in the disk cache is copied, not
  rendered; the rest are rendered (in-process, in worker processes, on a server or as Ray tasks)
  and go through the cache.
- Every file appears in the output folder by an atomic rename from a staging folder next to it
  (`.<out>.staging`), never inside it, so a build killed at any instant leaves only complete files.
- `bank.json` is rewritten (atomically) after each finished entry with `"complete": false`, so a
  killed build's index lists exactly the entries it finished; the next build skips them.
- Files of entries removed from the manifest (as listed by the previous `bank.json`) are deleted;
  nothing the bank did not write is ever deleted.
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: the CLI lists `bank` without loading the build machinery.
_HOME = {
    "BankEntry": "soundloom.bank.manifest",
    "BankManifest": "soundloom.bank.manifest",
    "load_manifest": "soundloom.bank.manifest",
    "BankSummary": "soundloom.bank.build",
    "build_bank": "soundloom.bank.build",
    "add_bank_command": "soundloom.bank.cli",
    "run_bank_command": "soundloom.bank.cli",
}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'soundloom.bank' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
