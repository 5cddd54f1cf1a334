"""`Asset`: a generated scene on disk and what was measured about it.

An asset is described by its JSON sidecar (written by the engine's packager, in embedded and
remote mode alike), so one constructor serves the cache, the clients and bank builds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soundloom.errors import InvalidArgument
from soundloom_server.engine.loudness_report import LoudnessReport
from soundloom_server.engine.plan import FORMAT_SUFFIX, ScenePlan, plan_from_dict

__all__ = [
    "Asset",
    "AssetFile",
    "LoopPoints",
    "Loudness",
    "Marker",
    "copy_atomically",
    "loudness_from_dict",
]


@dataclass(frozen=True)
class LoopPoints:
    """A seamless loop: where it starts and how long it is, in frames at the asset's rate."""

    start_frame: int
    length_frames: int
    sample_rate: int

    @property
    def start_s(self) -> float:
        """Loop start, seconds."""
        return self.start_frame / self.sample_rate

    @property
    def end_s(self) -> float:
        """Loop end (exclusive), seconds."""
        return (self.start_frame + self.length_frames) / self.sample_rate


@dataclass(frozen=True)
class Marker:
    """A cue marker in the main file: an event's start and length."""

    frame: int
    label: str
    length_frames: int
    time_s: float


@dataclass(frozen=True)
class AssetFile:
    """One file of an asset: main, segment, stem or sidecar."""

    name: str
    path: Path
    role: str
    sha256: str
    size_bytes: int
    start_frame: int = 0
    frames: int = 0


Loudness = LoudnessReport  # what mastering measured on the main file, read from its sidecar


def loudness_from_dict(data: dict[str, Any]) -> Loudness:
    """A sidecar's loudness section (JSON null = -inf, or NaN for a target)."""
    return LoudnessReport.from_dict(data)


@dataclass(frozen=True)
class Asset:
    """A generated scene: its main file, every other file, loudness, loop points and markers."""

    key: str
    path: Path
    format: str
    sample_rate: int
    channels: int
    frames: int
    duration_s: float
    loudness: Loudness
    loop_points: LoopPoints | None
    markers: tuple[Marker, ...]
    files: tuple[AssetFile, ...]
    plan: ScenePlan
    metadata: dict[str, Any] = field(repr=False)
    cache_hit: bool = False

    @property
    def seed(self) -> int:
        """The seed it was rendered with."""
        return int(self.metadata["seed"])

    @property
    def sidecar_path(self) -> Path | None:
        """The JSON sidecar next to the main file, when there is one."""
        for entry in self.files:
            if entry.role == "sidecar":
                return entry.path
        return None

    def read_bytes(self) -> bytes:
        """The main file's bytes."""
        return self.path.read_bytes()

    @classmethod
    def from_sidecar(
        cls,
        directory: Path,
        sidecar: dict[str, Any],
        sidecar_name: str,
        cache_hit: bool = False,
        plan: ScenePlan | None = None,
    ) -> Asset:
        """The asset whose files lie in `directory`, described by its parsed sidecar.

        `plan` is the sidecar's plan when the caller already holds it parsed and checked (a
        saved copy of an asset), so that it is not parsed and checked again.
        """
        sr = int(sidecar["sample_rate"])
        files = [
            AssetFile(
                name=f["name"],
                path=directory / f["name"],
                role=f["role"],
                sha256=f["sha256"],
                size_bytes=int(f["size_bytes"]),
                start_frame=int(f.get("start_frame", 0)),
                frames=int(f.get("frames", 0)),
            )
            for f in sidecar["files"]
        ]
        side = directory / sidecar_name
        if side.exists():
            files.append(AssetFile(sidecar_name, side, "sidecar", "", side.stat().st_size))
        loop = sidecar.get("loop")
        return cls(
            key=str(sidecar["cache_key"]),
            path=files[0].path,
            format=str(sidecar["format"]),
            sample_rate=sr,
            channels=int(sidecar["channels"]),
            frames=int(sidecar["frames"]),
            duration_s=float(sidecar["duration_s"]),
            loudness=loudness_from_dict(sidecar["loudness"]),
            loop_points=None
            if loop is None
            else LoopPoints(int(loop["start_frame"]), int(loop["length_frames"]), sr),
            markers=tuple(
                Marker(
                    int(m["frame"]), str(m["label"]), int(m["length_frames"]), float(m["time_s"])
                )
                for m in sidecar["markers"]
            ),
            files=tuple(files),
            plan=plan_from_dict(sidecar["plan"]) if plan is None else plan,
            metadata=sidecar,
            cache_hit=cache_hit,
        )

    @classmethod
    def load(cls, sidecar_path: Path, cache_hit: bool = False) -> Asset:
        """The asset described by a sidecar file (`scene.ogg.json`), files next to it."""
        sidecar = json.loads(Path(sidecar_path).read_text())
        return cls.from_sidecar(sidecar_path.parent, sidecar, sidecar_path.name, cache_hit)

    def renamed_files(self, path: Path | str, sidecar: bool = True) -> list[tuple[AssetFile, Path]]:
        """Where each file goes when the main file is saved as `path` (same naming as the CLI).

        `scene.ogg` -> `path`; `scene_001.ogg` -> `<stem>_001.ogg`; `scene.sfx.ogg` ->
        `<stem>.sfx.ogg`; the sidecar -> `<path>.json`.
        """
        path = Path(path)
        suffix = FORMAT_SUFFIX[self.format]
        if not path.suffix:
            path = path.with_suffix(suffix)
        if path.suffix.lower() != suffix:
            raise InvalidArgument(
                "output", f"suffix must be {suffix} for a {self.format} asset, got {path.suffix}"
            )
        old = self.path.stem
        placed = []
        for entry in self.files:
            if entry.role == "sidecar" and not sidecar:
                continue
            if entry.role == "sidecar":
                target = path.with_name(path.name + ".json")
            elif entry.role == "main":
                target = path
            else:
                target = path.with_name(path.stem + entry.name[len(old) :])
            placed.append((entry, target))
        return placed

    def save(self, path: Path | str, sidecar: bool = True, staging: Path | None = None) -> Asset:
        """Copy the asset's files next to `path` atomically; the copy as an Asset.

        Files are staged in `staging` (default: the destination folder, under hidden names)
        and renamed into place only when all are written.
        """
        placed = self.renamed_files(path, sidecar)
        names = {entry.name: target.name for entry, target in placed}
        pairs: list[tuple[Path | bytes, Path]] = []
        side_name = ""
        for entry, target in placed:
            if entry.role == "sidecar":
                meta = dict(self.metadata)
                meta["files"] = [
                    dict(f, name=names.get(f["name"], f["name"])) for f in meta["files"]
                ]
                pairs.append(((json.dumps(meta, indent=2) + "\n").encode(), target))
                side_name = target.name
            else:
                pairs.append((entry.path, target))
        copy_atomically(pairs, staging)
        main = placed[0][1]
        meta = dict(self.metadata)
        meta["files"] = [dict(f, name=names.get(f["name"], f["name"])) for f in meta["files"]]
        # Only file names changed: the plan is this asset's own, parsed when it was read.
        return Asset.from_sidecar(
            main.parent, meta, side_name or "-", cache_hit=self.cache_hit, plan=self.plan
        )


def copy_atomically(pairs: list[tuple[Path | bytes, Path]], staging: Path | None = None) -> None:
    """Write every (source file or bytes, destination) pair, all or nothing.

    Each destination appears by an atomic rename of a complete, fsynced temporary file, so a
    crash never leaves a partial file under a destination name. With `staging` (a folder on the
    same filesystem) no temporary file ever appears in the destination folder either.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for source, final in pairs:
            final.parent.mkdir(parents=True, exist_ok=True)
            folder = staging if staging is not None else final.parent
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=folder)
            temps.append((Path(name), final))
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, bytes):
                    out.write(source)
                else:
                    with source.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o644)  # mkstemp makes 0600; outputs are ordinary readable files
        for temp, final in temps:
            os.replace(temp, final)
    finally:
        for temp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
