"""The content-addressed asset store on disk.

Layout: `<root>/objects/<id[:2]>/<id>/` holds an asset's files and `manifest.json` (its AssetInfo
and plan); `<root>/staging/` holds work in progress. An asset appears by renaming its complete
directory into place, so readers never see half an asset, and a restart finds every committed
one. The store keeps its total size under a cap by evicting the least recently used assets, and
checks each file's sha256 when it is opened: a corrupt asset is discarded.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import json_format

from soundloom.v1 import soundloom_pb2 as pb

log = logging.getLogger("soundloom.store")

ASSET_ID = re.compile(r"[0-9a-f]{64}")
# Names of an asset's files, as the packager writes them ("scene.ogg", "scene_001.ogg",
# "scene.ambience.wav", "scene.json"): one plain name, never a path.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MANIFEST = "manifest.json"
# Files up to this size are hashed on every open (microseconds); larger ones once per change of
# their inode, size or times, so that streaming a long WAV does not hash it per request.
ALWAYS_HASH_BYTES = 4 << 20
USE_PERSIST_S = 60.0


class StoreUnwritable(OSError):
    """The store's disk refuses writes (read-only, full, or not a directory); names the store."""


# Write failures that say the disk, not the request, is at fault.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM})


class CorruptAsset(Exception):
    """A stored file whose bytes no longer match the sha256 in its manifest."""


@dataclass(frozen=True)
class StoredAsset:
    """An asset in the store: what it is (AssetInfo), the plan it rendered, and where it lives."""

    asset_id: str
    info: pb.AssetInfo
    plan: pb.ScenePlan
    directory: Path


class OpenFile:
    """A stored file opened and checked against its sha256; read it at any offset."""

    def __init__(self, fd: int, size: int, sha256: str) -> None:
        self.fd, self.size, self.sha256 = fd, size, sha256

    def read(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes from `offset` (positional: safe to share between readers)."""
        return os.pread(self.fd, length, offset)

    def close(self) -> None:
        """Release the file descriptor."""
        os.close(self.fd)

    def __enter__(self) -> OpenFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_asset_id(text: str) -> bool:
    """Whether `text` is a well-formed asset id: 64 lowercase hex digits."""
    return ASSET_ID.fullmatch(text) is not None


def is_file_name(text: str) -> bool:
    """Whether `text` is a plain file name an asset may hold (no path, no leading dot)."""
    return FILE_NAME.fullmatch(text) is not None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dir_bytes(path: Path) -> int:
    with os.scandir(path) as entries:
        return sum(e.stat(follow_symlinks=False).st_size for e in entries if _plain_file(e))


def _plain_file(entry: os.DirEntry[str]) -> bool:
    return entry.is_file(follow_symlinks=False)


def _remove_inside(path: Path) -> None:
    """Remove a stray entry of the store itself: a link is unlinked, never followed."""
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(OSError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


class AssetStore:
    """Assets by id on disk, under a size cap, least recently used evicted first."""

    def __init__(
        self,
        root: Path,
        max_bytes: int,
        on_evict: Callable[[str], None] | None = None,
        min_free_bytes: int = 0,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self.writable = True
        self._objects = self.root / "objects"
        self._staging = self.root / "staging"
        self._on_evict = on_evict
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()  # oldest use first
        self._manifests: dict[str, StoredAsset] = {}
        self._pins: Counter[str] = Counter()
        self._verified: dict[tuple[str, str], tuple[int, int, int, int]] = {}
        self._persisted_use: dict[str, float] = {}
        try:
            self._objects.mkdir(parents=True, exist_ok=True)
            # Staging left by a crash is never half of a committed asset: drop it.
            _remove_inside(self._staging)
            self._staging.mkdir(parents=True, exist_ok=True)
            self._probe()
        except OSError as exc:
            raise self._unwritable(exc) from None
        self._load_index()

    # ------------------------------------------------------------ disk health

    def _unwritable(self, exc: OSError) -> StoreUnwritable:
        self.writable = False
        return StoreUnwritable(exc.errno, f"store {self.root} cannot be written: {exc.strerror}")

    def _probe(self) -> None:
        with tempfile.NamedTemporaryFile(dir=self._staging, prefix="probe-") as handle:
            handle.write(b"x")
            handle.flush()

    def check_writable(self) -> bool:
        """Try a small write now; `writable` says the result (health reports it)."""
        try:
            self._probe()
        except OSError:
            self.writable = False
        else:
            self.writable = True
        return self.writable

    @contextlib.contextmanager
    def _disk_errors(self) -> Iterator[None]:
        """Disk failures as StoreUnwritable (UNAVAILABLE to callers), remembered for health."""
        try:
            yield
        except StoreUnwritable:
            raise
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise self._unwritable(exc) from None
            raise

    # ------------------------------------------------------------ index

    def _load_index(self) -> None:
        found: list[tuple[float, str, int]] = []
        # Nothing in the store is followed through a symlink: a link planted under objects/
        # must not lead the scan (or its clean-up) outside the store.
        for shard in self._objects.iterdir():
            if shard.is_symlink() or not shard.is_dir():
                log.warning("store: %s is not a shard directory; removed", shard)
                _remove_inside(shard)
                continue
            for entry in shard.iterdir():
                manifest = entry / MANIFEST
                stray = entry.is_symlink() or not is_asset_id(entry.name)
                if stray or entry.name[:2] != shard.name or not _is_plain(manifest):
                    _remove_inside(entry)
                    continue
                found.append((manifest.lstat().st_mtime, entry.name, _dir_bytes(entry)))
        for _, asset_id, size in sorted(found):
            self._sizes[asset_id] = size
        log.info("store %s: %d assets, %d bytes", self.root, len(self._sizes), self.total_bytes)
        self._evict(keep=None)

    @property
    def total_bytes(self) -> int:
        """Bytes of every stored asset."""
        return sum(self._sizes.values())

    def __len__(self) -> int:
        return len(self._sizes)

    def __contains__(self, asset_id: object) -> bool:
        return asset_id in self._sizes

    def _directory(self, asset_id: str) -> Path:
        return self._objects / asset_id[:2] / asset_id

    # ------------------------------------------------------------ read

    def lookup(self, asset_id: str) -> StoredAsset | None:
        """The stored asset (marked as just used), or None when absent or unreadable."""
        with self._lock:
            if asset_id not in self._sizes:
                return None
            self._sizes.move_to_end(asset_id)
            cached = self._manifests.get(asset_id)
        directory = self._directory(asset_id)
        # The manifest's mtime is the use time a restart orders the LRU by; writing it at most
        # once a minute per asset keeps hot reads free of metadata writes.
        now = time.monotonic()
        if now - self._persisted_use.get(asset_id, -math.inf) > USE_PERSIST_S:
            self._persisted_use[asset_id] = now
            with contextlib.suppress(OSError):
                os.utime(directory / MANIFEST)
        if cached is not None:
            return cached
        try:
            data = json.loads((directory / MANIFEST).read_text())
            info = json_format.ParseDict(data["info"], pb.AssetInfo())
            plan = json_format.ParseDict(data["plan"], pb.ScenePlan())
        except (OSError, ValueError, KeyError, json_format.ParseError) as exc:
            log.warning("asset %s: unreadable manifest (%s); discarded", asset_id, exc)
            self.discard(asset_id)
            return None
        bad = [f.name for f in info.files if not is_file_name(f.name)]
        if bad:
            log.warning(
                "asset %s: manifest names %r, not a plain file; discarded", asset_id, bad[0]
            )
            self.discard(asset_id)
            return None
        stored = StoredAsset(asset_id, info, plan, directory)
        with self._lock:
            if asset_id in self._sizes:
                self._manifests[asset_id] = stored
        return stored

    def open_file(self, stored: StoredAsset, name: str) -> OpenFile:
        """Open one of the asset's files, checked against its sha256; raises CorruptAsset."""
        entry = next((f for f in stored.info.files if f.name == name), None)
        if entry is None or not is_file_name(name):
            raise KeyError(name)
        try:
            fd = os.open(stored.directory / name, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise CorruptAsset(f"{name} is missing") from None
        except OSError as exc:  # ELOOP: a symlink where a file should be
            raise CorruptAsset(f"{name} is not a plain file ({exc.strerror})") from None
        try:
            st = os.fstat(fd)
            signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            memo_key = (stored.asset_id, name)
            if st.st_size > ALWAYS_HASH_BYTES and self._verified.get(memo_key) == signature:
                return OpenFile(fd, st.st_size, entry.sha256)
            if st.st_size != entry.size_bytes or _fd_sha256(fd) != entry.sha256:
                raise CorruptAsset(f"{name} does not match its sha256")
            self._verified[memo_key] = signature
            return OpenFile(fd, st.st_size, entry.sha256)
        except BaseException:
            os.close(fd)
            raise

    # ------------------------------------------------------------ write

    def staging_dir(self) -> Path:
        """A fresh private directory to build an asset in, on the store's filesystem."""
        with self._disk_errors():
            return Path(tempfile.mkdtemp(prefix="asset-", dir=self._staging))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around writes into a staging directory: a full or read-only disk is StoreUnwritable."""
        with self._disk_errors():
            yield

    def commit(
        self, asset_id: str, staged: Path, info: pb.AssetInfo, plan: pb.ScenePlan
    ) -> StoredAsset:
        """Move a staged asset into place atomically (fsync, rename) and evict to the cap."""
        with self._disk_errors():
            stored = self._commit(asset_id, staged, info, plan)
        self.writable = True
        self._evict(keep=asset_id)
        return stored

    def _commit(
        self, asset_id: str, staged: Path, info: pb.AssetInfo, plan: pb.ScenePlan
    ) -> StoredAsset:
        manifest = {
            "info": json_format.MessageToDict(info, preserving_proto_field_name=True),
            "plan": json_format.MessageToDict(plan, preserving_proto_field_name=True),
        }
        with (staged / MANIFEST).open("w") as handle:
            json.dump(manifest, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(staged)
        final = self._directory(asset_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staged, final)
        except OSError:
            # Someone committed the same id first: identical content, keep theirs.
            shutil.rmtree(staged, ignore_errors=True)
            if not (final / MANIFEST).is_file():
                raise
        _fsync_dir(final.parent)
        stored = StoredAsset(asset_id, info, plan, final)
        with self._lock:
            self._sizes[asset_id] = _dir_bytes(final)
            self._sizes.move_to_end(asset_id)
            self._manifests[asset_id] = stored
        return stored

    def discard(self, asset_id: str) -> None:
        """Remove an asset (readers holding its files open finish unharmed)."""
        with self._lock:
            self._sizes.pop(asset_id, None)
            self._manifests.pop(asset_id, None)
            self._persisted_use.pop(asset_id, None)
            for key in [k for k in self._verified if k[0] == asset_id]:
                del self._verified[key]
        directory = self._directory(asset_id)
        # Rename first, so the id disappears at once even if removing the files takes a while.
        grave = self._staging / f"discard-{asset_id}-{time.monotonic_ns()}"
        with contextlib.suppress(OSError):
            os.rename(directory, grave)
            shutil.rmtree(grave, ignore_errors=True)

    @contextlib.contextmanager
    def pinned(self, asset_id: str) -> Iterator[None]:
        """Keep `asset_id` from eviction while the block runs (it need not exist yet)."""
        with self._lock:
            self._pins[asset_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._pins[asset_id] -= 1
                if self._pins[asset_id] <= 0:
                    del self._pins[asset_id]

    def _free_shortfall(self) -> int:
        """Bytes to free so the disk keeps `min_free_bytes` (0 when it does, or no floor)."""
        if self.min_free_bytes <= 0:
            return 0
        return max(self.min_free_bytes - _free_bytes(self.root), 0)

    def _evict(self, keep: str | None) -> None:
        victims = []
        short = self._free_shortfall()
        with self._lock:
            total = sum(self._sizes.values())
            for asset_id, size in self._sizes.items():
                if total <= self.max_bytes and short <= 0:
                    break
                if asset_id != keep and asset_id not in self._pins:
                    victims.append(asset_id)
                    total -= size
                    short -= size
        for asset_id in victims:
            log.info("store: evicting %s (least recently used, or the disk is short)", asset_id)
            self.discard(asset_id)
            if self._on_evict is not None:
                self._on_evict(asset_id)


def _is_plain(path: Path) -> bool:
    return not path.is_symlink() and path.is_file()


def _free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 0


def _fd_sha256(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(fd, 1 << 20, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()
