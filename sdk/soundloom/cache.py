"""The SDK's disk cache of generated assets, keyed by the engine's content address.

Layout: `<root>/assets/<key[:2]>/<key>/` holds an asset's files (main, segments, stems, the JSON
sidecar) and `entry.json` (each file's sha256 and size); `<root>/tmp/` holds work in progress.
An entry appears by renaming its complete directory into place, so a reader (or a process killed
mid-write) never leaves half an entry. The entry.json mtime is the LRU clock: a hit touches it,
and the cache evicts the least recently used entries beyond its size cap. Files up to
`HASH_ON_READ_BYTES` are checked against their sha256 on every hit; larger ones by size, and in
full by `verify()` (`soundloom cache verify`). The root is `SOUNDLOOM_CACHE_DIR`, else the
platform's user cache dir.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.errors import InvalidArgument
from soundloom_server.engine.checksums import file_sha256

__all__ = ["AssetCache", "CacheEntry", "CacheProblem", "default_cache_dir", "parse_size"]

ENTRY = "entry.json"
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
DEFAULT_MAX_BYTES = 2 << 30
HASH_ON_READ_BYTES = 2 << 20
# Work dirs older than this were left by a killed process; prune removes them.
STALE_TMP_S = 3600.0
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def default_cache_dir() -> Path:
    """`SOUNDLOOM_CACHE_DIR`, else the platform's user cache dir for soundloom."""
    override = os.environ.get("SOUNDLOOM_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("soundloom", appauthor=False))


def parse_size(text: str | int, field: str = "max_size") -> int:
    """Bytes from `1073741824`, `500M`, `2G` or `2GiB` (binary units)."""
    if isinstance(text, int):
        if text < 0:
            raise InvalidArgument(field, f"must be >= 0 bytes, got {text}")
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if not match:
        raise InvalidArgument(field, f"must be a size such as 500M or 2G, got {text!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def _default_max_bytes() -> int:
    text = os.environ.get("SOUNDLOOM_CACHE_MAX_BYTES")
    return parse_size(text, "SOUNDLOOM_CACHE_MAX_BYTES") if text else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class CacheEntry:
    """One cached asset as `cache ls` shows it."""

    key: str
    directory: Path
    size_bytes: int
    last_used: float
    created: float
    main: str
    format: str
    duration_s: float
    description: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "key": self.key,
            "directory": str(self.directory),
            "size_bytes": self.size_bytes,
            "last_used_unix": round(self.last_used, 3),
            "created_unix": round(self.created, 3),
            "main": self.main,
            "format": self.format,
            "duration_s": self.duration_s,
            "description": self.description,
        }


@dataclass(frozen=True)
class CacheProblem:
    """An entry that failed verification, and why."""

    key: str
    reason: str


class AssetCache:
    """Generated assets on disk by cache key, under a size cap, least recently used evicted."""

    def __init__(self, root: Path | str | None = None, max_bytes: int | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = _default_max_bytes() if max_bytes is None else max_bytes
        if self.max_bytes < 0:
            raise InvalidArgument("max_bytes", f"must be >= 0, got {self.max_bytes}")
        self._assets = self.root / "assets"
        self._tmp = self.root / "tmp"

    # ------------------------------------------------------------ read

    def directory_for(self, key: str) -> Path:
        """Where the entry for `key` lives (whether or not it exists)."""
        if not KEY_PATTERN.fullmatch(key):
            raise InvalidArgument("key", f"must be 64 lowercase hex digits, got {key[:80]!r}")
        return self._assets / key[:2] / key

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (self.directory_for(key) / ENTRY).is_file()

    def get(self, key: str) -> Asset | None:
        """The cached asset, checked; None when absent (a corrupt entry is removed)."""
        directory = self.directory_for(key)
        try:
            entry = json.loads((directory / ENTRY).read_text())
        except (OSError, ValueError):
            return None
        problem = _check_files(directory, entry, HASH_ON_READ_BYTES)
        if problem is not None:
            self.remove(key)
            return None
        with contextlib.suppress(OSError):
            os.utime(directory / ENTRY)  # the LRU clock
        try:
            sidecar = json.loads((directory / entry["sidecar"]).read_text())
        except (OSError, ValueError, KeyError):
            self.remove(key)
            return None
        return Asset.from_sidecar(directory, sidecar, entry["sidecar"], cache_hit=True)

    # ------------------------------------------------------------ write

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh work directory inside the cache (same filesystem, so commit is a rename)."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="work-", dir=self._tmp))
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def commit(self, key: str, work: Path) -> Asset:
        """Move a complete work directory (files + `*.json` sidecar) in as the entry for `key`."""
        final = self.directory_for(key)
        sidecars = sorted(p.name for p in work.iterdir() if p.name.endswith(".json"))
        if len(sidecars) != 1:
            raise InvalidArgument("work", f"must hold exactly one JSON sidecar, got {sidecars}")
        files = sorted(p for p in work.iterdir() if p.is_file() and p.name != ENTRY)
        sidecar = json.loads((work / sidecars[0]).read_text())
        entry = {
            "key": key,
            "created_unix": time.time(),
            "main": sidecar["files"][0]["name"],
            "sidecar": sidecars[0],
            "format": sidecar.get("format", ""),
            "duration_s": sidecar.get("duration_s", 0.0),
            "description": sidecar.get("plan", {}).get("description", "")[:200],
            "files": [
                {"name": p.name, "sha256": file_sha256(p), "size_bytes": p.stat().st_size}
                for p in files
            ],
        }
        (work / ENTRY).write_text(json.dumps(entry, indent=2) + "\n")
        for path in work.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            if self.get(key) is not None:  # someone else cached it first: keep theirs
                shutil.rmtree(work, ignore_errors=True)
                return replace(self._require(key), cache_hit=False)
            self.remove(key)
        try:
            os.rename(work, final)
        except OSError:  # lost a race to another process committing the same key
            shutil.rmtree(work, ignore_errors=True)
        self.evict(keep=key)
        return replace(self._require(key), cache_hit=False)

    def put_files(self, key: str, files: Mapping[str, bytes]) -> Asset:
        """Cache an asset given as file name -> bytes (from a worker process or Ray task)."""
        with self.staging() as work:
            for name, data in files.items():
                if "/" in name or name.startswith("."):
                    raise InvalidArgument("files", f"names must be plain file names, got {name!r}")
                (work / name).write_bytes(data)
            return self.commit(key, work)

    def _require(self, key: str) -> Asset:
        asset = self.get(key)
        if asset is None:
            raise InvalidArgument("key", f"{key} vanished from the cache right after it was stored")
        return asset

    # ------------------------------------------------------------ maintenance

    def _entry_dirs(self) -> Iterator[Path]:
        if not self._assets.is_dir():
            return
        for shard in sorted(self._assets.iterdir()):
            if shard.is_dir():
                for directory in sorted(shard.iterdir()):
                    if KEY_PATTERN.fullmatch(directory.name):
                        yield directory

    def entries(self) -> list[CacheEntry]:
        """Every cached entry, least recently used first."""
        found = []
        for directory in self._entry_dirs():
            try:
                stat = (directory / ENTRY).stat()
                entry = json.loads((directory / ENTRY).read_text())
            except (OSError, ValueError):
                continue
            found.append(
                CacheEntry(
                    key=directory.name,
                    directory=directory,
                    size_bytes=sum(int(f["size_bytes"]) for f in entry["files"]),
                    last_used=stat.st_mtime,
                    created=float(entry.get("created_unix", stat.st_mtime)),
                    main=str(entry.get("main", "")),
                    format=str(entry.get("format", "")),
                    duration_s=float(entry.get("duration_s", 0.0)),
                    description=str(entry.get("description", "")),
                )
            )
        return sorted(found, key=lambda e: e.last_used)

    @property
    def total_bytes(self) -> int:
        """Bytes of every cached entry's files."""
        return sum(e.size_bytes for e in self.entries())

    def remove(self, key: str) -> bool:
        """Drop one entry; True when there was one."""
        directory = self.directory_for(key)
        if not directory.exists():
            return False
        self._tmp.mkdir(parents=True, exist_ok=True)
        # Rename first so that no reader ever sees an entry with some files deleted.
        trash = Path(tempfile.mkdtemp(prefix="trash-", dir=self._tmp))
        try:
            os.rename(directory, trash / key)
        except OSError:
            shutil.rmtree(trash, ignore_errors=True)
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def evict(self, keep: str | None = None, max_bytes: int | None = None) -> list[str]:
        """Remove least recently used entries until the cache fits its cap; returns their keys."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        entries = self.entries()
        total = sum(e.size_bytes for e in entries)
        removed = []
        for entry in entries:
            if total <= cap:
                break
            if entry.key == keep:
                continue
            if self.remove(entry.key):
                removed.append(entry.key)
                total -= entry.size_bytes
        return removed

    def prune(self, max_bytes: int | None = None, older_than_s: float | None = None) -> list[str]:
        """Evict to `max_bytes` (default: the cap), drop entries unused for `older_than_s`."""
        removed = []
        if older_than_s is not None:
            cutoff = time.time() - older_than_s
            for entry in self.entries():
                if entry.last_used < cutoff and self.remove(entry.key):
                    removed.append(entry.key)
        removed += self.evict(max_bytes=max_bytes)
        if self._tmp.is_dir():
            for work in self._tmp.iterdir():
                with contextlib.suppress(OSError):
                    if time.time() - work.stat().st_mtime > STALE_TMP_S:
                        shutil.rmtree(work, ignore_errors=True)
        return removed

    def verify(self, delete: bool = False) -> list[CacheProblem]:
        """Check every file of every entry against its sha256; optionally delete bad entries."""
        problems = []
        for directory in self._entry_dirs():
            try:
                entry = json.loads((directory / ENTRY).read_text())
            except (OSError, ValueError) as exc:
                problem: str | None = f"{ENTRY} unreadable: {exc}"
            else:
                problem = _check_files(directory, entry, hash_limit=None)
            if problem is not None:
                problems.append(CacheProblem(directory.name, problem))
                if delete:
                    self.remove(directory.name)
        return problems

    def clear(self) -> int:
        """Remove every entry and all work in progress; returns how many entries were removed."""
        count = sum(1 for _ in self._entry_dirs())
        for path in (self._assets, self._tmp):
            shutil.rmtree(path, ignore_errors=True)
        return count


def _check_files(directory: Path, entry: dict[str, Any], hash_limit: int | None) -> str | None:
    """Why an entry's files do not match entry.json (None when they do)."""
    for item in entry.get("files", ()):
        path = directory / item["name"]
        try:
            size = path.stat().st_size
        except OSError:
            return f"{item['name']} is missing"
        if size != item["size_bytes"]:
            return f"{item['name']} is {size} bytes, expected {item['size_bytes']}"
        if (hash_limit is None or size <= hash_limit) and file_sha256(path) != item["sha256"]:
            return f"{item['name']} does not match its sha256"
    return None


# ---------------------------------------------------------------- CLI: soundloom cache ...


def add_cache_command(commands: Any) -> None:
    """Register `soundloom cache ls|du|verify|prune|clear` on the CLI's subparsers."""
    cache = commands.add_parser("cache", help="inspect and trim the local asset cache")
    cache.add_argument("--dir", type=Path, help="cache directory (default: SOUNDLOOM_CACHE_DIR)")
    actions = cache.add_subparsers(dest="cache_command", required=True)
    ls = actions.add_parser("ls", help="list cached assets, least recently used first")
    ls.add_argument("--json", action="store_true", help="as a JSON list")
    actions.add_parser("du", help="total size and entry count")
    verify = actions.add_parser("verify", help="check every cached file's sha256")
    verify.add_argument("--delete", action="store_true", help="delete entries that fail")
    prune = actions.add_parser("prune", help="evict least recently used entries")
    prune.add_argument("--max-size", help="evict down to this size, e.g. 500M (default: the cap)")
    prune.add_argument("--older-than", type=float, metavar="DAYS", help="drop entries unused")
    actions.add_parser("clear", help="remove every cached asset")


def run_cache_command(args: argparse.Namespace) -> int:
    """Run a parsed `soundloom cache ...` command; exit status."""
    cache = AssetCache(args.dir)
    action = args.cache_command
    if action == "ls":
        entries = cache.entries()
        if args.json:
            print(json.dumps([e.to_dict() for e in entries], indent=2))
            return 0
        for e in entries:
            used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.last_used))
            print(
                f"{e.key[:16]}  {_human(e.size_bytes):>8}  {e.duration_s:7.2f} s  {e.format:<4}"
                f"  {used}  {e.description[:60]}"
            )
        return 0
    if action == "du":
        entries = cache.entries()
        total = sum(e.size_bytes for e in entries)
        print(f"{_human(total)}\t{len(entries)} entries\t{cache.root}")
        return 0
    if action == "verify":
        problems = cache.verify(delete=args.delete)
        for problem in problems:
            print(f"{problem.key}: {problem.reason}", file=sys.stderr)
        verb = "deleted" if args.delete else "corrupt"
        print(f"{len(cache.entries())} entries ok, {len(problems)} {verb}")
        return 1 if problems and not args.delete else 0
    if action == "prune":
        max_bytes = parse_size(args.max_size, "--max-size") if args.max_size else None
        older = args.older_than * 86400.0 if args.older_than is not None else None
        removed = cache.prune(max_bytes=max_bytes, older_than_s=older)
        print(f"removed {len(removed)} entries; {_human(cache.total_bytes)} left")
        return 0
    removed_count = cache.clear()
    print(f"removed {removed_count} entries")
    return 0


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
