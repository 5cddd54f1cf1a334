"""A bank.toml manifest, read and checked: every entry and field named in its errors."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from soundloom.asset import FORMAT_SUFFIX
from soundloom.errors import InvalidArgument
from soundloom_server.engine.plan import (
    FORMATS,
    ID_PATTERN,
    MAX_SCENE_S,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    options_from_dict,
    plan_from_json,
    validate_request,
)

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
