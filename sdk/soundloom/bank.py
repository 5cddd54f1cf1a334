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

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from soundloom.asset import FORMAT_SUFFIX, Asset, copy_atomically
from soundloom.cache import AssetCache
from soundloom.canonical import canonical
from soundloom.cli_server import add_server_arguments, server_token
from soundloom.client import render_to_directory
from soundloom.errors import InvalidArgument, SoundloomError
from soundloom.progress_view import choose_mode, emit_json, entry_view
from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.engine.plan import (
    FORMATS,
    ID_PATTERN,
    MAX_SCENE_S,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    options_from_dict,
    plan_from_dict,
    plan_from_json,
    to_dict,
    validate_request,
)
from soundloom_server.engine.registry import check_backends, lane_for

__all__ = [
    "BankEntry",
    "BankManifest",
    "BankSummary",
    "add_bank_command",
    "build_bank",
    "load_manifest",
    "run_bank_command",
]

INDEX = "bank.json"
KINDS = ("ambience", "sfx")
MAX_VARIATIONS = 99
BANK_FIELDS = ("name", "output")
DEFAULT_FIELDS = (
    "format",
    "loudness",
    "sample_rate",
    "channels",
    "bit_depth",
    "true_peak",
    "seed",
    "planner",
    "renderer",
    "style",
    "environment",
)
ENTRY_FIELDS = (
    "name",
    "description",
    "plan",
    "video",
    "shots",
    "duration",
    "kind",
    "loop",
    "variations",
    "seed",
    "tags",
    "segment",
    "format",
    "loudness",
    "style",
    "environment",
)


# ---------------------------------------------------------------- manifest


@dataclass(frozen=True)
class BankEntry:
    """One named sound of a bank, with its variations' sources and render options."""

    name: str
    kind: str
    source: SceneRequest | ScenePlan
    options: RenderOptions
    variations: int
    tags: tuple[str, ...]
    description: str

    def variation_options(self) -> list[RenderOptions]:
        """Each variation's options: the entry's seed, +1 per variation."""
        return [replace(self.options, seed=self.options.seed + i) for i in range(self.variations)]

    def file_names(self) -> list[str]:
        """`<name>.ogg`, or `<name>_01.wav` ... for several variations."""
        suffix = FORMAT_SUFFIX[self.options.format]
        if self.variations == 1:
            return [f"{self.name}{suffix}"]
        return [f"{self.name}_{i:02d}{suffix}" for i in range(1, self.variations + 1)]


@dataclass(frozen=True)
class BankManifest:
    """A parsed `bank.toml`: bank name, output folder and entries."""

    name: str
    output: Path
    entries: tuple[BankEntry, ...]
    path: Path


def _expect(path: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise InvalidArgument(path, f"must be {what}, got {value!r}")
    if not isinstance(value, kind):
        raise InvalidArgument(path, f"must be {what}, got {value!r}")
    return value


def _check_keys(path: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise InvalidArgument(
                f"{path}{key}", f"is not a field here (one of {', '.join(allowed)})"
            )


def _format_for(kind: str, value: Any, path: str) -> str:
    """`format` may be one string or a table per kind: {ambience = "ogg", sfx = "wav"}."""
    if isinstance(value, Mapping):
        _check_keys(f"{path}.", value, KINDS)
        value = value.get(kind, "ogg" if kind == "ambience" else "wav")
    value = _expect(path, value, str, f"one of {', '.join(FORMATS)}")
    if value not in FORMATS:
        raise InvalidArgument(path, f"must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


def _options(
    defaults: Mapping[str, Any], entry: Mapping[str, Any], kind: str, at: str
) -> RenderOptions:
    seed = entry.get("seed", defaults.get("seed", 0))
    _expect(f"{at}seed", seed, int, "an integer >= 0")
    loop = entry.get("loop", kind == "ambience")
    _expect(f"{at}loop", loop, bool, "true or false")
    segment = entry.get("segment", 0.0)
    _expect(f"{at}segment", segment, (int, float), "0 or a number of seconds >= 1")
    raw: dict[str, Any] = {
        "format": _format_for(
            kind,
            entry.get("format", defaults.get("format", {})),
            f"{at}format" if "format" in entry else "defaults.format",
        ),
        "loudness": str(entry.get("loudness", defaults.get("loudness", "console"))),
        "seed": seed,
        "loop": loop,
        "segment_s": float(segment),
    }
    for key, option in (
        ("sample_rate", "sample_rate"),
        ("channels", "channels"),
        ("bit_depth", "bit_depth"),
        ("true_peak", "true_peak_db"),
        ("planner", "planner"),
        ("renderer", "renderer"),
    ):
        if key in defaults:
            raw[option] = defaults[key]
    if "true_peak_db" in raw:
        raw["true_peak_db"] = float(
            _expect("defaults.true_peak", raw["true_peak_db"], (int, float), "dBTP")
        )
    try:
        return options_from_dict(raw)
    except InvalidArgument as exc:
        # Name the manifest's field, not the engine's: "entries[2].segment", "defaults.sample_rate".
        engine_field = exc.field.removeprefix("options.")
        manifest_field = {"segment_s": "segment", "true_peak_db": "true_peak"}.get(
            engine_field, engine_field
        )
        owner = at if manifest_field in entry else "defaults."
        raise InvalidArgument(f"{owner}{manifest_field}", exc.detail) from None


def _entry(index: int, table: Any, defaults: Mapping[str, Any], base: Path) -> BankEntry:
    at = f"entries[{index}]."
    _expect(f"entries[{index}]", table, dict, "a table")
    _check_keys(at, table, ENTRY_FIELDS)
    name = _expect(f"{at}name", table.get("name"), str, "a name of 1..64 letters, digits, _ . -")
    if not ID_PATTERN.fullmatch(name) or name.startswith("."):
        raise InvalidArgument(
            f"{at}name", f"must be 1..64 letters, digits, _ . - (not starting with .), got {name!r}"
        )
    kind = table.get("kind", "sfx")
    if kind not in KINDS:
        raise InvalidArgument(f"{at}kind", f"must be ambience or sfx, got {kind!r}")
    variations = table.get("variations", 1)
    _expect(f"{at}variations", variations, int, f"an integer in [1, {MAX_VARIATIONS}]")
    if not 1 <= variations <= MAX_VARIATIONS:
        raise InvalidArgument(
            f"{at}variations", f"must be in [1, {MAX_VARIATIONS}], got {variations}"
        )
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidArgument(f"{at}tags", f"must be a list of strings, got {tags!r}")
    has_words, has_plan = "description" in table or "video" in table, "plan" in table
    if has_words == has_plan:
        raise InvalidArgument(
            f"{at}description", "or plan (a plan JSON file) is required, not both"
        )
    if "shots" in table and "video" not in table:
        raise InvalidArgument(f"{at}shots", "applies to video entries only")
    source: SceneRequest | ScenePlan
    if "video" in table:
        source = _video_plan(at, table, defaults, kind, base)
        description = source.description
    elif has_plan:
        for words_only in ("duration", "style", "environment"):
            if words_only in table:
                raise InvalidArgument(
                    f"{at}{words_only}", "applies to description entries only (a plan has its own)"
                )
        plan_path = base / _expect(f"{at}plan", table["plan"], str, "a path to a plan JSON file")
        try:
            text = plan_path.read_text()
        except OSError as exc:
            raise InvalidArgument(
                f"{at}plan", f"cannot be read: {exc.strerror} ({plan_path})"
            ) from None
        try:
            source = plan_from_json(text)
        except InvalidArgument as exc:
            raise InvalidArgument(f"{at}plan", f"({plan_path}): {exc}") from None
        description = source.description
    else:
        description = _expect(f"{at}description", table["description"], str, "a description")
        # No duration: from the text, else the sounds' natural length (as the CLI does).
        duration = table.get("duration", 0.0)
        _expect(f"{at}duration", duration, (int, float), f"seconds in (0, {MAX_SCENE_S:g}]")
        if "duration" in table and not 0.0 < duration <= MAX_SCENE_S:
            raise InvalidArgument(
                f"{at}duration", f"must be in (0, {MAX_SCENE_S:g}] seconds, got {duration}"
            )
        style = table.get("style", defaults.get("style", ""))
        environment = table.get("environment", defaults.get("environment", ""))
        try:
            source = validate_request(
                SceneRequest(description, float(duration), str(style), str(environment))
            )
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"{at}{exc.field.replace('duration_s', 'duration')}", exc.detail
            ) from None
    options = _options(defaults, table, kind, at)
    return BankEntry(name, kind, source, options, variations, tuple(tags), description)


def _video_plan(
    at: str, table: Any, defaults: Mapping[str, Any], kind: str, base: Path
) -> ScenePlan:
    """A video entry's plan: the dub of `video` from its `description` and `shots` lines."""
    from soundloom_server.engine.dub.job import prepare_dub

    for words_only in ("duration", "style", "environment"):
        if words_only in table:
            raise InvalidArgument(f"{at}{words_only}", "does not apply: the video sets the scene")
    video = base / _expect(f"{at}video", table["video"], str, "a path to a video file")
    shots = table.get("shots", [])
    if not isinstance(shots, list) or not all(isinstance(line, str) for line in shots):
        raise InvalidArgument(f"{at}shots", f"must be a list of strings, got {shots!r}")
    description = _expect(f"{at}description", table.get("description", ""), str, "a description")
    try:
        dubbed = prepare_dub(video, description, shots, _options(defaults, table, kind, at))
    except InvalidArgument as exc:
        raise InvalidArgument(f"{at}{exc.field}", exc.detail) from None
    return dubbed.plan


def load_manifest(path: Path | str) -> BankManifest:
    """Parse and check a `bank.toml`; errors name the field (`entries[3].duration`)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise InvalidArgument("manifest", f"cannot be read: {exc.strerror} ({path})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgument("manifest", f"is not valid TOML: {exc} ({path})") from None
    _check_keys("", data, ("bank", "defaults", "entries"))
    bank = _expect("bank", data.get("bank", {}), dict, "a table")
    _check_keys("bank.", bank, BANK_FIELDS)
    name = _expect("bank.name", bank.get("name"), str, "a name")
    if not ID_PATTERN.fullmatch(name):
        raise InvalidArgument("bank.name", f"must be 1..64 letters, digits, _ . -, got {name!r}")
    output = _expect("bank.output", bank.get("output", name), str, "a folder path")
    defaults = _expect("defaults", data.get("defaults", {}), dict, "a table")
    _check_keys("defaults.", defaults, DEFAULT_FIELDS)
    raw_entries = _expect("entries", data.get("entries", []), list, "an array of tables")
    if not raw_entries:
        raise InvalidArgument("entries", "must list at least one entry ([[entries]])")
    base = path.resolve().parent
    entries = tuple(_entry(i, t, defaults, base) for i, t in enumerate(raw_entries))
    seen: dict[str, int] = {}
    files: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if entry.name in seen:
            raise InvalidArgument(
                f"entries[{i}].name",
                f"{entry.name!r} is not unique (also entries[{seen[entry.name]}])",
            )
        seen[entry.name] = i
        for file_name in entry.file_names():
            if file_name in files:
                raise InvalidArgument(
                    f"entries[{i}].name",
                    f"{entry.name!r} would write {file_name}, as entry {files[file_name]!r} does",
                )
            files[file_name] = entry.name
    return BankManifest(name, base / output, entries, path)


# ---------------------------------------------------------------- rendering (any process)


def render_files(source: dict[str, Any], options: dict[str, Any], key: str) -> dict[str, bytes]:
    """Render one variation in this process; its files by name (main, segments, sidecar).

    Plain data in, bytes out: runs the same in a worker process or a Ray task on another host.
    """
    scene: SceneRequest | ScenePlan = (
        plan_from_dict(source) if "events" in source else validate_request(SceneRequest(**source))
    )
    opts = options_from_dict(options)
    check_backends(scene, opts)
    with tempfile.TemporaryDirectory(prefix="soundloom-render-") as work:
        render_to_directory(scene, opts, key, Path(work))
        return {p.name: p.read_bytes() for p in sorted(Path(work).iterdir())}


@dataclass(frozen=True)
class _Variation:
    entry: BankEntry
    index: int
    source: SceneRequest | ScenePlan
    options: RenderOptions
    key: str
    file_name: str


class _Runner:
    """Where renders run; each submit's future gives the files' bytes, or None when cached."""

    def __init__(
        self,
        jobs: int,
        server: str | None,
        ray_address: str | None,
        cache: AssetCache,
        token: str | None = None,
        tls: bool | str | Path = False,
    ) -> None:
        self.cache = cache
        self.server = server
        self.ray: Any = None
        self.owns_ray = False
        self.client: Any = None
        self.pool: Executor
        if ray_address is not None:
            try:
                import ray
            except ImportError:
                raise InvalidArgument(
                    "--ray", "needs the distributed extra: pip install 'soundloom[distributed]'"
                ) from None
            self.owns_ray = not ray.is_initialized()
            if self.owns_ray:
                if ray_address == "local":
                    ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=ray_address, log_to_driver=False)
            self.ray = ray
            self.task = ray.remote(render_files)
            self.pool = ThreadPoolExecutor(1)
        elif server is not None:
            from soundloom.client import Client

            self.client = Client(server, token=token, tls=tls, cache=cache)
            self.pool = ThreadPoolExecutor(jobs)
        elif jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the driver has threads, and CUDA cannot be used in a forked child.
            self.pool = ProcessPoolExecutor(
                jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        else:
            self.pool = ThreadPoolExecutor(1)

    def submit(self, job: _Variation) -> Future[dict[str, bytes] | None]:
        """Start rendering one variation."""
        if self.client is not None:
            client = self.client

            def remote() -> None:
                client.generate(job.source, options=job.options)
                return None

            return self.pool.submit(remote)
        payload = (to_dict(job.source), to_dict(job.options), job.key)
        if self.ray is not None:
            gpus = 1 if lane_for(job.source, job.options) == "neural" else 0
            ref = self.task.options(num_cpus=1, num_gpus=gpus).remote(*payload)
            return ref.future()
        return self.pool.submit(render_files, *payload)

    def close(self) -> None:
        """Stop workers and close connections."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self.owns_ray:
            self.ray.shutdown()


PARENT_CHECK_S = 0.25


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: exit at once when the build that started it is gone.

    A killed build (SIGKILL leaves it no chance to stop its pool) would otherwise leave its
    workers waiting on a dead pipe forever; once orphaned, a process's parent id changes.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


# ---------------------------------------------------------------- build


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


def _is_current(record: Mapping[str, Any] | None, jobs: list[_Variation], out: Path) -> bool:
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


def _variation_record(job: _Variation, saved: Asset) -> dict[str, Any]:
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


class _Build:
    """One run of `build_bank`: the state that the journal (`bank.json`) records."""

    def __init__(self, manifest: BankManifest, out: Path, cache: AssetCache) -> None:
        self.manifest = manifest
        self.out = out
        self.cache = cache
        self.staging = out.parent / f".{out.name}.staging"
        self.previous = _read_index(out)
        # Records in force: the previous build's (until replaced), then this build's.
        self.records: dict[str, dict[str, Any]] = dict(self.previous)
        self.failures: dict[str, str] = {}

    def prepare(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        # What a killed build left in staging is never a finished file: drop it.
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def finish_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def variations(self, entry: BankEntry) -> list[_Variation]:
        jobs = []
        for index, (options, file_name) in enumerate(
            zip(entry.variation_options(), entry.file_names(), strict=True)
        ):
            source, options, key = canonical(entry.source, options)
            jobs.append(_Variation(entry, index, source, options, key, file_name))
        return jobs

    def export(self, entry: BankEntry, jobs: list[_Variation]) -> None:
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


ProgressFn = Callable[[int, int, "BankSummary"], None]


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
    """Build (or bring up to date) a bank; see the module docstring for the guarantees."""
    started = time.perf_counter()
    if not isinstance(manifest, BankManifest):
        manifest = load_manifest(manifest)
    jobs = jobs if jobs is not None else min(4, os.cpu_count() or 1)
    if jobs < 1:
        raise InvalidArgument("jobs", f"must be >= 1, got {jobs}")
    target = Path(out) if out is not None else manifest.output
    build = _Build(manifest, target.resolve(), cache or AssetCache())
    summary = BankSummary(manifest.name, build.out, entries=len(manifest.entries))
    build.prepare()
    pending: dict[str, list[_Variation]] = {}
    for entry in manifest.entries:
        variations = build.variations(entry)
        if _is_current(build.previous.get(entry.name), variations, build.out):
            summary.cached += 1
        else:
            pending[entry.name] = variations
    done = summary.cached
    total = len(manifest.entries)
    if progress is not None:
        progress(done, total, summary)
    waiting: dict[str, set[int]] = {}
    rendered: set[str] = set()
    futures: dict[Future[dict[str, bytes] | None], _Variation] = {}
    runner: _Runner | None = None
    by_name = {e.name: e for e in manifest.entries}

    def settle(name: str) -> None:
        nonlocal done
        entry = by_name[name]
        if name not in build.failures:
            try:
                build.export(entry, pending[name])
            except (OSError, SoundloomError) as exc:
                build.failures[name] = str(exc)
        if name in build.failures:
            summary.failed += 1
        elif name in rendered:
            summary.rendered += 1
        else:
            summary.cached += 1
        done += 1
        if progress is not None:
            progress(done, total, summary)

    try:
        for name, variations in pending.items():
            missing = {v.index for v in variations if build.cache.get(v.key) is None}
            if not missing:
                settle(name)
                continue
            if runner is None:
                runner = _Runner(jobs, server, ray_address, build.cache, token, tls)
            waiting[name] = missing
            rendered.add(name)
            for variation in variations:
                if variation.index in missing:
                    futures[runner.submit(variation)] = variation
        while futures:
            finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for future in finished:
                job = futures.pop(future)
                name = job.entry.name
                try:
                    files = future.result()
                    if files is not None:
                        build.cache.put_files(job.key, files)
                except SoundloomError as exc:  # one entry failing must not stop the bank
                    build.failures.setdefault(name, str(exc))
                except Exception as exc:
                    build.failures.setdefault(name, f"{type(exc).__name__}: {exc}")
                waiting[name].discard(job.index)
                if not waiting[name]:
                    settle(name)
    finally:
        if runner is not None:
            runner.close()
    removed = [n for n in build.previous if n not in by_name]
    for name in removed:
        record = build.records.pop(name)
        build.delete_unlisted(record)
    summary.removed = len(removed)
    build.write_index(complete=True)
    build.finish_staging()
    summary.files = sum(len(_record_files(r)) for r in build.records.values())
    summary.failures = [{"name": n, "error": e} for n, e in sorted(build.failures.items())]
    summary.seconds = time.perf_counter() - started
    return summary


# ---------------------------------------------------------------- CLI: soundloom bank build


def add_bank_command(commands: Any) -> None:
    """Register `soundloom bank build` on the CLI's subparsers."""
    bank = commands.add_parser("bank", help="build sound banks from a bank.toml manifest")
    actions = bank.add_subparsers(dest="bank_command", required=True)
    build = actions.add_parser("build", help="render a bank (incremental, resumable)")
    build.add_argument("manifest", type=Path, help="bank.toml")
    build.add_argument("--out", type=Path, help="output folder (default: the manifest's)")
    build.add_argument(
        "--jobs", type=int, help="parallel renders (default: min(4, CPUs)); 1 = in-process"
    )
    add_server_arguments(build)
    build.add_argument(
        "--ray", metavar="ADDRESS", help="render as Ray tasks: a cluster address, auto, or local"
    )
    build.add_argument("--cache-dir", type=Path, help="asset cache (default: SOUNDLOOM_CACHE_DIR)")
    build.add_argument(
        "--json",
        action="store_true",
        help="a JSON summary on stdout; progress and failures as JSON lines on stderr",
    )
    build.add_argument(
        "-q", "--quiet", action="store_true", help="no progress: print nothing but the summary"
    )


def run_bank_command(args: argparse.Namespace) -> int:
    """Run `soundloom bank build`; exit 1 when an entry failed."""
    if args.server and args.ray:
        raise InvalidArgument("--server", "and --ray cannot be combined")
    progress = entry_view(choose_mode(args.quiet, args.json))
    try:
        summary = build_bank(
            args.manifest,
            args.out,
            jobs=args.jobs,
            server=args.server,
            ray_address=args.ray,
            cache=AssetCache(args.cache_dir) if args.cache_dir else None,
            progress=progress,
            token=server_token(args),
            tls=args.tls_ca or False,
        )
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(
            f"{summary.out}: {summary.entries} entries, {summary.files} files  "
            f"rendered {summary.rendered}  cached {summary.cached}  removed {summary.removed}  "
            f"failed {summary.failed}  {summary.seconds:.1f} s"
        )
    for failure in summary.failures:
        if args.json:
            emit_json("error", entry=failure["name"], message=failure["error"])
        else:
            print(f"soundloom: error: {failure['name']}: {failure['error']}", file=sys.stderr)
    return 1 if summary.failed else 0
