"""Building a bank: incremental, crash-safe, indexed in bank.json (see the package docstring)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from soundloom.asset import Asset, copy_atomically
from soundloom.bank.manifest import INDEX, BankEntry, BankManifest, load_manifest
from soundloom.bank.runners import Runner, Variation
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.errors import InvalidArgument, SoundloomError
from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.checksums import file_sha256


@dataclass
class BankSummary:
    """What a build did: counts per entry, the failures and where the bank is."""

    bank: str
    out: Path
    entries: int = 0
    rendered: int = 0
    cached: int = 0
    removed: int = 0
    failed: int = 0
    files: int = 0
    seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (`soundloom bank build --json`)."""
        return {
            "bank": self.bank,
            "out": str(self.out),
            "entries": self.entries,
            "rendered": self.rendered,
            "cached": self.cached,
            "removed": self.removed,
            "failed": self.failed,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "failures": self.failures,
        }


def _read_index(out: Path) -> dict[str, dict[str, Any]]:
    """The previous build's entry records by name (empty when there is no readable index)."""
    try:
        data = json.loads((out / INDEX).read_text())
        return {e["name"]: e for e in data["entries"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _record_files(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every file a record lists: each variation's main file and its segments."""
    found = []
    for variation in record.get("variations", ()):
        found.append(variation)
        found.extend(variation.get("segments", ()))
    return found


def _is_current(record: Mapping[str, Any] | None, jobs: list[Variation], out: Path) -> bool:
    """Whether a previous record has these exact keys and file names, and its files verify."""
    if record is None:
        return False
    variations = record.get("variations", [])
    if [(v.get("cache_key"), v.get("file")) for v in variations] != [
        (j.key, j.file_name) for j in jobs
    ]:
        return False
    for item in _record_files(record):
        path = out / item["file"]
        try:
            if path.stat().st_size != item["size_bytes"] or file_sha256(path) != item["sha256"]:
                return False
        except OSError:
            return False
    return True


def _variation_record(job: Variation, saved: Asset) -> dict[str, Any]:
    main = saved.files[0]
    loop = saved.loop_points
    return {
        "file": main.name,
        "cache_key": job.key,
        "seed": job.options.seed,
        "format": saved.format,
        "sample_rate": saved.sample_rate,
        "channels": saved.channels,
        "frames": saved.frames,
        "duration_s": saved.duration_s,
        "sha256": main.sha256,
        "size_bytes": main.size_bytes,
        "loop": None
        if loop is None
        else {
            "start_frame": loop.start_frame,
            "length_frames": loop.length_frames,
            "start_s": loop.start_s,
            "end_s": loop.end_s,
        },
        "markers": [
            {
                "frame": m.frame,
                "time_s": m.time_s,
                "label": m.label,
                "length_frames": m.length_frames,
            }
            for m in saved.markers
        ],
        "loudness": saved.metadata["loudness"],
        "segments": [
            {
                "file": f.name,
                "start_frame": f.start_frame,
                "frames": f.frames,
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
            }
            for f in saved.files
            if f.role == "segment"
        ],
    }


ProgressFn = Callable[[int, int, "BankSummary"], None]


class _Build:
    """One run of `build_bank`: the state that the journal (`bank.json`) records."""

    def __init__(
        self, manifest: BankManifest, out: Path, cache: AssetCache, progress: ProgressFn | None
    ) -> None:
        self.manifest = manifest
        self.out = out
        self.cache = cache
        self.progress = progress
        self.staging = out.parent / f".{out.name}.staging"
        self.previous = _read_index(out)
        # Records in force: the previous build's (until replaced), then this build's.
        self.records: dict[str, dict[str, Any]] = dict(self.previous)
        self.failures: dict[str, str] = {}
        self.summary = BankSummary(manifest.name, out, entries=len(manifest.entries))
        self.done = 0
        self.rendered: set[str] = set()

    def report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.summary.entries, self.summary)

    def stale_entries(self) -> dict[str, list[Variation]]:
        """Each entry the previous bank.json does not already hold, with its variations."""
        pending = {}
        for entry in self.manifest.entries:
            variations = self.variations(entry)
            if _is_current(self.previous.get(entry.name), variations, self.out):
                self.summary.cached += 1
            else:
                pending[entry.name] = variations
        self.done = self.summary.cached
        self.report()
        return pending

    def render_and_export(
        self, pending: dict[str, list[Variation]], make_runner: Callable[[], Runner]
    ) -> None:
        """Render what the cache lacks (the runner starts only if something does), then export
        each entry as soon as all its variations are in the cache."""
        waiting: dict[str, set[int]] = {}
        futures: dict[Future[dict[str, bytes] | None], Variation] = {}
        runner: Runner | None = None
        try:
            for name, variations in pending.items():
                missing = {v.index for v in variations if self.cache.get(v.key) is None}
                if not missing:
                    self.settle(name, pending[name])
                    continue
                runner = runner or make_runner()
                waiting[name] = missing
                self.rendered.add(name)
                for variation in variations:
                    if variation.index in missing:
                        futures[runner.submit(variation)] = variation
            while futures:
                finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for future in finished:
                    job = futures.pop(future)
                    self.keep_render(job, future)
                    waiting[job.entry.name].discard(job.index)
                    if not waiting[job.entry.name]:
                        self.settle(job.entry.name, pending[job.entry.name])
        finally:
            if runner is not None:
                runner.close()

    def keep_render(self, job: Variation, future: Future[dict[str, bytes] | None]) -> None:
        """A finished render into the cache; its failure is its entry's, not the bank's."""
        try:
            files = future.result()
            if files is not None:
                self.cache.put_files(job.key, files)
        except SoundloomError as exc:
            self.failures.setdefault(job.entry.name, str(exc))
        except Exception as exc:
            self.failures.setdefault(job.entry.name, f"{type(exc).__name__}: {exc}")

    def settle(self, name: str, variations: list[Variation]) -> None:
        """Export a finished entry (or count its failure) and report progress."""
        entry = next(e for e in self.manifest.entries if e.name == name)
        if name not in self.failures:
            try:
                self.export(entry, variations)
            except (OSError, SoundloomError) as exc:
                self.failures[name] = str(exc)
        if name in self.failures:
            self.summary.failed += 1
        elif name in self.rendered:
            self.summary.rendered += 1
        else:
            self.summary.cached += 1
        self.done += 1
        self.report()

    def remove_dropped_entries(self) -> None:
        """Delete the files of entries the manifest no longer lists."""
        names = {e.name for e in self.manifest.entries}
        removed = [n for n in self.previous if n not in names]
        for name in removed:
            self.delete_unlisted(self.records.pop(name))
        self.summary.removed = len(removed)

    def finish(self, started: float) -> BankSummary:
        """The final index, staging removed, and the summary."""
        self.write_index(complete=True)
        self.finish_staging()
        summary = self.summary
        summary.files = sum(len(_record_files(r)) for r in self.records.values())
        summary.failures = [{"name": n, "error": e} for n, e in sorted(self.failures.items())]
        summary.seconds = time.perf_counter() - started
        return summary

    def prepare(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        # What a killed build left in staging is never a finished file: drop it.
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def finish_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def variations(self, entry: BankEntry) -> list[Variation]:
        jobs = []
        for index, (options, file_name) in enumerate(
            zip(entry.variation_options(), entry.file_names(), strict=True)
        ):
            source, options, key = canonical(entry.source, options)
            jobs.append(Variation(entry, index, source, options, key, file_name))
        return jobs

    def export(self, entry: BankEntry, jobs: list[Variation]) -> None:
        """Copy an entry's cached variations into the bank, then record it in the journal."""
        pairs: list[tuple[Path | bytes, Path]] = []
        saved_assets = []
        for job in jobs:
            asset = self.cache.get(job.key)
            if asset is None:
                raise SoundloomError(f"{entry.name}: {job.key} left the cache before export")
            placed = asset.renamed_files(self.out / job.file_name, sidecar=False)
            pairs += [(item.path, target) for item, target in placed]
            renamed = tuple(replace(item, name=target.name, path=target) for item, target in placed)
            saved_assets.append(replace(asset, files=renamed, path=renamed[0].path))
        copy_atomically(pairs, self.staging)
        old = self.records.get(entry.name)
        self.records[entry.name] = {
            "name": entry.name,
            "kind": entry.kind,
            "description": entry.description,
            "tags": list(entry.tags),
            "loop": entry.options.loop,
            "variations": [
                _variation_record(j, a) for j, a in zip(jobs, saved_assets, strict=True)
            ],
        }
        self.write_index(complete=False)
        if old is not None:
            self.delete_unlisted(old)

    def delete_unlisted(self, record: Mapping[str, Any]) -> None:
        """Delete a record's files that no current record lists (never anything else)."""
        listed = {item["file"] for r in self.records.values() for item in _record_files(r)}
        for item in _record_files(record):
            if item["file"] not in listed:
                (self.out / item["file"]).unlink(missing_ok=True)

    def write_index(self, complete: bool) -> None:
        order = [e.name for e in self.manifest.entries]
        names = [n for n in order if n in self.records]
        names += sorted(n for n in self.records if n not in order)  # removed, not yet deleted
        entries = [self.records[n] for n in names]
        index = {
            "bank": self.manifest.name,
            "soundloom": ENGINE_VERSION,
            "complete": complete,
            "entries": entries,
            "files": sorted(item["file"] for r in entries for item in _record_files(r)),
            "failed": [{"name": n, "error": e} for n, e in sorted(self.failures.items())],
        }
        text = json.dumps(index, indent=2, allow_nan=False) + "\n"
        copy_atomically([(text.encode(), self.out / INDEX)], self.staging)


def build_bank(
    manifest: BankManifest | Path | str,
    out: Path | str | None = None,
    *,
    jobs: int | None = None,
    server: str | None = None,
    ray_address: str | None = None,
    cache: AssetCache | None = None,
    progress: ProgressFn | None = None,
    token: str | None = None,
    tls: bool | str | Path = False,
) -> BankSummary:
    """Build (or bring up to date) a bank; see the package docstring for the guarantees."""
    started = time.perf_counter()
    if not isinstance(manifest, BankManifest):
        manifest = load_manifest(manifest)
    jobs = jobs if jobs is not None else min(4, os.cpu_count() or 1)
    if jobs < 1:
        raise InvalidArgument("jobs", f"must be >= 1, got {jobs}")
    target = Path(out) if out is not None else manifest.output
    build = _Build(manifest, target.resolve(), cache or AssetCache(), progress)
    build.prepare()
    pending = build.stale_entries()
    build.render_and_export(
        pending, lambda: Runner(jobs, server, ray_address, build.cache, token, tls)
    )
    build.remove_dropped_entries()
    return build.finish(started)
