"""The plan model: `ScenePlan`, `Event`, `RenderOptions`, their validation, JSON and JSON Schema.

The plan is the editable middle of the system. Field ranges live once, in each dataclass field's
metadata, and drive validation, the JSON Schema and the proto comments' promises alike.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from soundloom_server.engine.errors import InvalidArgument

MAX_SCENE_S = 600.0
# The shortest event: 16 frames at the lowest rate. Shorter ones are no sound a game can use,
# and a recipe's filters need a few frames to run on.
MIN_EVENT_S = 0.001
MAX_EVENTS = 128
LOUDNESS_PRESETS: dict[str, float] = {
    "console": -24.0,
    "mobile": -18.0,
    "broadcast": -23.0,
    "streaming": -16.0,
}
ENVIRONMENTS = ("none", "room", "hall", "cave", "outdoor")
FORMATS = ("wav", "ogg", "flac", "opus")
FORMAT_SUFFIX = {fmt: f".{fmt}" for fmt in FORMATS}
FORMAT_MIME = {"wav": "audio/wav", "ogg": "audio/ogg", "flac": "audio/flac", "opus": "audio/ogg"}
# Lossy formats: their decoded loudness drifts from the input's, so packaging corrects for it.
LOSSY_FORMATS = ("ogg", "opus")
# Opus (RFC 6716) codes 8, 12, 16, 24 and 48 kHz only; these are the project's rates among them.
OPUS_SAMPLE_RATES = (16000, 24000, 48000)
SAMPLE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
GROUP_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{0,64}$")
MAX_CURVE_POINTS = 32
MAX_UNMATCHED = 32
# Below this match_score a planner calls a caption's recipe a weak match (and says so).
WEAK_MATCH = 0.5

ParamValue = float | str
_Checked = TypeVar("_Checked")


class EventKind(StrEnum):
    """Whether an event is a bed (ambience) or a foreground one-shot (sfx)."""

    AMBIENCE = "ambience"
    SFX = "sfx"


def _spec(doc: str, **limits: Any) -> dict[str, Any]:
    return {"doc": doc, **limits}


@dataclass(frozen=True)
class CurvePoint:
    """One point of an automation curve: a value at a fraction of the event's time."""

    t: float = field(
        metadata=_spec("Time, fraction of the event: 0 start .. 1 end", ge=0.0, le=1.0)
    )
    value: float = field(metadata=_spec("The curve's value at t (range set by the curve)"))


def _curve(doc: str, low: float, high: float) -> Any:
    spec = _spec(doc, max_items=MAX_CURVE_POINTS, value_ge=low, value_le=high)
    return field(default=(), metadata=spec)


@dataclass(frozen=True)
class Automation:
    """Curves over an event's time, linear between points; an empty curve changes nothing."""

    intensity: tuple[CurvePoint, ...] = _curve(
        "Intensity in [0, 1]: the recipe's own strength/density (rain heavier, engine revving)",
        0.0,
        1.0,
    )
    distance: tuple[CurvePoint, ...] = _curve(
        "Distance in [0, 1] (0 close .. 1 far): level, air absorption and Doppler as it moves",
        0.0,
        1.0,
    )
    gain_db: tuple[CurvePoint, ...] = _curve(
        "Gain in dB, [-60, 12], on top of gain_db", -60.0, 12.0
    )
    pan: tuple[CurvePoint, ...] = _curve("Pan in [-1, 1], replacing pan while it runs", -1.0, 1.0)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in dataclasses.fields(self))


@dataclass(frozen=True)
class Event:
    """One sound on the timeline: a bed or a one-shot, with where, how loud and how it is made."""

    id: str = field(metadata=_spec("Unique id within the plan", pattern=ID_PATTERN.pattern))
    kind: EventKind = field(metadata=_spec("ambience (bed) or sfx (one-shot)", enum=EventKind))
    caption: str = field(metadata=_spec("What the sound is, in words", min_len=1, max_len=500))
    recipe: str = field(metadata=_spec("Procedural recipe name", min_len=1, max_len=64))
    start_s: float = field(metadata=_spec("Start on the scene timeline, seconds", ge=0.0))
    duration_s: float = field(metadata=_spec("Length, seconds", ge=MIN_EVENT_S, le=MAX_SCENE_S))
    gain_db: float = field(default=0.0, metadata=_spec("Gain, dB", ge=-60.0, le=12.0))
    pan: float = field(
        default=0.0, metadata=_spec("Equal-power pan, -1 left .. 1 right", ge=-1.0, le=1.0)
    )
    fade_in_s: float = field(
        default=0.0, metadata=_spec("Fade-in, seconds", ge=0.0, le=MAX_SCENE_S)
    )
    fade_out_s: float = field(
        default=0.0, metadata=_spec("Fade-out, seconds", ge=0.0, le=MAX_SCENE_S)
    )
    loop: bool = field(
        default=False, metadata=_spec("Runs on across the loop point when the scene loops (beds)")
    )
    params: Mapping[str, ParamValue] = field(
        default_factory=dict, metadata=_spec("Recipe parameters: numbers or words")
    )
    renderer: str = field(
        default="", metadata=_spec("Renderer for this event; empty = scene's", max_len=64)
    )
    group: str = field(
        default="",
        metadata=_spec(
            "Sound source this event is a part of (events of one group share distance, pan and "
            "motion); empty = none",
            pattern=GROUP_PATTERN.pattern,
        ),
    )
    implied: bool = field(
        default=False,
        metadata=_spec("Added because the place implies it, not named in the text; drop freely"),
    )
    match_score: float = field(
        default=1.0,
        metadata=_spec(
            "How well the caption's words found the recipe, 0..1; below 0.5 a weak match",
            ge=0.0,
            le=1.0,
        ),
    )
    automation: Automation = field(
        default_factory=Automation,
        metadata=_spec("Curves of intensity, distance, gain and pan over the event's time"),
    )

    @property
    def end_s(self) -> float:
        """Where the event ends on the scene timeline, seconds."""
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class ScenePlan:
    """A timeline of events that render, mix and master into one scene."""

    duration_s: float = field(metadata=_spec("Scene length, seconds", gt=0.0, le=MAX_SCENE_S))
    events: tuple[Event, ...] = field(metadata=_spec("Events, at most 128", max_items=MAX_EVENTS))
    style: str = field(
        default="", metadata=_spec("Scene style, conditions every event", max_len=500)
    )
    environment: str = field(
        default="none", metadata=_spec("One reverb for the scene", enum=ENVIRONMENTS)
    )
    description: str = field(
        default="", metadata=_spec("The description it was planned from", max_len=4000)
    )
    planner: str = field(default="rules", metadata=_spec("Planner that made it", max_len=64))
    warnings: tuple[str, ...] = field(
        default=(), metadata=_spec("Planner notes: weak matches, fallbacks")
    )
    unmatched: tuple[str, ...] = field(
        default=(),
        metadata=_spec(
            "Words of the description no recipe fits (those sounds were left out), at most 32",
            max_items=MAX_UNMATCHED,
        ),
    )


@dataclass(frozen=True)
class RenderOptions:
    """How to render, master and package a scene."""

    sample_rate: int = field(default=48000, metadata=_spec("Output rate, Hz", enum=SAMPLE_RATES))
    channels: int = field(default=2, metadata=_spec("1 mono or 2 stereo", enum=(1, 2)))
    format: str = field(default="ogg", metadata=_spec("Container and codec", enum=FORMATS))
    bit_depth: int = field(default=16, metadata=_spec("WAV sample width, bits", enum=(16, 24)))
    loudness: str = field(
        default="console",
        metadata=_spec("Preset (console, mobile, broadcast, streaming) or a LUFS number"),
    )
    true_peak_db: float = field(
        default=-1.0, metadata=_spec("True-peak ceiling, dBTP", ge=-12.0, le=0.0)
    )
    seed: int = field(default=0, metadata=_spec("Random seed", ge=0, le=2**63 - 1))
    loop: bool = field(default=False, metadata=_spec("Make the whole scene a seamless loop"))
    segment_s: float = field(
        default=0.0, metadata=_spec("Segment length, seconds; 0 = one file", ge=0.0, le=MAX_SCENE_S)
    )
    stems: bool = field(default=False, metadata=_spec("Also write ambience and sfx stems"))
    planner: str = field(default="rules", metadata=_spec("Planner backend", max_len=64))
    renderer: str = field(
        default="procedural", metadata=_spec("Default renderer backend", max_len=64)
    )

    @property
    def target_lufs(self) -> float:
        """The integrated loudness target that `loudness` names."""
        return parse_loudness(self.loudness)


def parse_loudness(value: str | float) -> float:
    """A preset name or a number -> target LUFS in [-40, -6]."""
    if isinstance(value, str) and value.strip().lower() in LOUDNESS_PRESETS:
        return LOUDNESS_PRESETS[value.strip().lower()]
    try:
        number = float(value)
    except (TypeError, ValueError):
        presets = ", ".join(LOUDNESS_PRESETS)
        raise InvalidArgument(
            "loudness", f"must be one of {presets} or a LUFS number in [-40, -6], got {value!r}"
        ) from None
    if not math.isfinite(number) or not -40.0 <= number <= -6.0:
        raise InvalidArgument("loudness", f"must be a LUFS number in [-40, -6], got {value!r}")
    return number


# ---------------------------------------------------------------- validation


def _check_value(path: str, value: Any, spec: Mapping[str, Any]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(path, f"must be a finite number, got {value}")
    if "ge" in spec and value < spec["ge"]:
        raise InvalidArgument(
            path, f"must be >= {spec['ge']} (allowed {_range(spec)}), got {value}"
        )
    if "gt" in spec and value <= spec["gt"]:
        raise InvalidArgument(path, f"must be > {spec['gt']} (allowed {_range(spec)}), got {value}")
    if "le" in spec and value > spec["le"]:
        raise InvalidArgument(
            path, f"must be <= {spec['le']} (allowed {_range(spec)}), got {value}"
        )
    if "enum" in spec and value not in tuple(spec["enum"]):
        allowed = ", ".join(str(getattr(v, "value", v)) for v in spec["enum"])
        raise InvalidArgument(path, f"must be one of {allowed}, got {value!r}")
    if "min_len" in spec and len(value.strip()) < spec["min_len"]:
        raise InvalidArgument(path, "must not be empty")
    if "max_len" in spec and len(value) > spec["max_len"]:
        raise InvalidArgument(
            path, f"must be at most {spec['max_len']} characters, got {len(value)}"
        )
    if "max_items" in spec and len(value) > spec["max_items"]:
        raise InvalidArgument(
            path, f"must have at most {spec['max_items']} items, got {len(value)}"
        )
    if "pattern" in spec and not re.fullmatch(spec["pattern"], value):
        raise InvalidArgument(path, f"must match {spec['pattern']}, got {value!r}")


def _range(spec: Mapping[str, Any]) -> str:
    low = f"[{spec['ge']}" if "ge" in spec else f"({spec['gt']}" if "gt" in spec else "(-inf"
    high = f"{spec['le']}]" if "le" in spec else "inf)"
    return f"{low}, {high}"


def _check_fields(path: str, obj: Any) -> None:
    for f in dataclasses.fields(obj):
        _check_value(f"{path}{f.name}", getattr(obj, f.name), f.metadata)


def validate_event(event: Event, index: int, scene_duration_s: float) -> None:
    """Raise InvalidArgument naming `events[i].field` when the event is out of range."""
    path = f"events[{index}]."
    _check_fields(path, event)
    if event.end_s > scene_duration_s + 1e-6:
        raise InvalidArgument(
            f"{path}duration_s",
            f"must end within the scene: start_s + duration_s = {event.end_s:g} > "
            f"duration_s {scene_duration_s:g}",
        )
    if event.fade_in_s + event.fade_out_s > event.duration_s + 1e-6:
        raise InvalidArgument(f"{path}fade_in_s", "plus fade_out_s must not exceed duration_s")
    _check_automation(f"{path}automation.", event.automation)
    for key, value in event.params.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidArgument(f"{path}params.{key}", "must be a number or a word")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidArgument(f"{path}params.{key}", f"must be a finite number, got {value}")


def _check_automation(path: str, automation: Automation) -> None:
    """Each curve: at most 32 points, t in [0, 1] rising, values inside the curve's range."""
    if not isinstance(automation, Automation):
        raise InvalidArgument(path.rstrip("."), "must be an automation object")
    for f in dataclasses.fields(Automation):
        points = getattr(automation, f.name)
        where = f"{path}{f.name}"
        _check_value(where, points, f.metadata)
        value_spec = {"ge": f.metadata["value_ge"], "le": f.metadata["value_le"]}
        previous = -1.0
        for i, point in enumerate(points):
            if not isinstance(point, CurvePoint):
                raise InvalidArgument(f"{where}[{i}]", "must be a point {t, value}")
            _check_fields(f"{where}[{i}].", point)
            _check_value(f"{where}[{i}].value", point.value, value_spec)
            if point.t <= previous:
                raise InvalidArgument(
                    f"{where}[{i}].t",
                    f"must be > the previous point's t {previous:g}, got {point.t:g}",
                )
            previous = point.t


def validate_plan(plan: ScenePlan) -> ScenePlan:
    """Check every field of the plan; return it (marked checked) or raise InvalidArgument."""
    _check_fields("", plan)
    if not plan.events:
        raise InvalidArgument(
            "events", "must hold at least one event (a plan with none is silence)"
        )
    seen: dict[str, int] = {}
    for i, event in enumerate(plan.events):
        validate_event(event, i, plan.duration_s)
        if event.id in seen:
            raise InvalidArgument(
                f"events[{i}].id", f"{event.id!r} is not unique (also events[{seen[event.id]}])"
            )
        seen[event.id] = i
    return mark_checked(plan)


def validate_options(options: RenderOptions) -> RenderOptions:
    """Check every render option; return them (marked checked) or raise InvalidArgument."""
    _check_fields("options.", options)
    parse_loudness(options.loudness)
    if 0 < options.segment_s < 1.0:
        raise InvalidArgument("options.segment_s", f"must be 0 or >= 1, got {options.segment_s}")
    if options.format == "opus" and options.sample_rate not in OPUS_SAMPLE_RATES:
        rates = ", ".join(str(r) for r in OPUS_SAMPLE_RATES)
        raise InvalidArgument(
            "options.sample_rate", f"must be one of {rates} for opus, got {options.sample_rate}"
        )
    return mark_checked(options)


# ---------------------------------------------------------------- JSON


def _field_value(obj: Any) -> Any:
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, tuple):
        return [_field_value(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: _field_value(v) for k, v in sorted(obj.items())}
    if dataclasses.is_dataclass(obj):
        return {f.name: _field_value(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return obj


def to_dict(obj: Any) -> dict[str, Any]:
    """A plan, event or options as plain JSON-ready data."""
    return _field_value(obj)


def plan_to_json(plan: ScenePlan, indent: int | None = 2) -> str:
    """The plan as JSON text (stable key order)."""
    return json.dumps(to_dict(plan), indent=indent, sort_keys=False, allow_nan=False)


def _coerce(path: str, raw: Any, annotation: str) -> Any:
    kind = annotation.replace(" ", "")
    if kind == "float":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidArgument(path, f"must be a number, got {raw!r}")
        return float(raw)
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidArgument(path, f"must be an integer, got {raw!r}")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidArgument(path, f"must be true or false, got {raw!r}")
        return raw
    if kind in ("str", "EventKind"):
        if not isinstance(raw, str):
            raise InvalidArgument(path, f"must be a string, got {raw!r}")
        if kind == "EventKind":
            try:
                return EventKind(raw)
            except ValueError:
                raise InvalidArgument(path, f"must be ambience or sfx, got {raw!r}") from None
        return raw
    if kind == "tuple[str,...]":
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise InvalidArgument(path, "must be a list of strings")
        return tuple(raw)
    if kind == "Mapping[str,ParamValue]":
        if not isinstance(raw, dict):
            raise InvalidArgument(path, "must be an object of numbers or words")
        return {
            str(k): (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in raw.items()
        }
    raise AssertionError(f"no JSON coercion for {annotation}")


def _from_dict(cls: type, path: str, data: Any) -> Any:
    if not isinstance(data, dict):
        raise InvalidArgument(
            path.rstrip(".") or "plan", f"must be a JSON object, got {type(data).__name__}"
        )
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InvalidArgument(f"{path}{unknown[0]}", f"is not a field of {cls.__name__}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InvalidArgument(f"{path}{name}", "is required")
            continue
        kind = str(f.type).replace(" ", "")
        if name == "events":
            if not isinstance(data[name], list):
                raise InvalidArgument(f"{path}events", "must be a list")
            values[name] = tuple(
                _from_dict(Event, f"{path}events[{i}].", e) for i, e in enumerate(data[name])
            )
        elif kind == "Automation":
            values[name] = _from_dict(Automation, f"{path}{name}.", data[name])
        elif kind == "tuple[CurvePoint,...]":
            if not isinstance(data[name], list):
                raise InvalidArgument(f"{path}{name}", "must be a list of points {t, value}")
            values[name] = tuple(
                _from_dict(CurvePoint, f"{path}{name}[{i}].", p) for i, p in enumerate(data[name])
            )
        else:
            values[name] = _coerce(f"{path}{name}", data[name], str(f.type))
    return cls(**values)


def plan_from_dict(data: Any) -> ScenePlan:
    """Build and validate a plan from parsed JSON; errors name the field."""
    return validate_plan(_from_dict(ScenePlan, "", data))


def plan_from_json(text: str) -> ScenePlan:
    """Parse, build and validate a plan from JSON text; NaN fails on the field that holds it."""
    try:
        data = json.loads(text)  # NaN/Infinity parse as floats, so validation can name the field
    except json.JSONDecodeError as exc:
        raise InvalidArgument(
            "plan", f"is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    return plan_from_dict(data)


def options_from_dict(data: Mapping[str, Any]) -> RenderOptions:
    """Build and validate render options from plain data; errors name the field."""
    return validate_options(_from_dict(RenderOptions, "options.", dict(data)))


# ---------------------------------------------------------------- JSON Schema

_JSON_TYPES = {"float": "number", "int": "integer", "bool": "boolean", "str": "string"}


def _schema_of(cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        spec = dict(f.metadata)
        kind = str(f.type).replace(" ", "")
        prop: dict[str, Any] = {"description": spec.get("doc", "")}
        if kind == "EventKind":
            prop.update(type="string", enum=[k.value for k in EventKind])
        elif kind == "tuple[Event,...]":
            prop.update(type="array", items={"$ref": "#/$defs/Event"})
        elif kind == "Automation":
            prop["$ref"] = "#/$defs/Automation"
        elif kind == "tuple[CurvePoint,...]":
            point = _schema_of(CurvePoint)
            point["properties"]["value"].update(minimum=spec["value_ge"], maximum=spec["value_le"])
            prop.update(type="array", items=point)
        elif kind == "tuple[str,...]":
            prop.update(type="array", items={"type": "string"})
        elif kind == "Mapping[str,ParamValue]":
            prop.update(type="object", additionalProperties={"type": ["number", "string"]})
        else:
            prop["type"] = _JSON_TYPES[kind]
            if "enum" in spec:
                prop["enum"] = list(spec["enum"])
        for key, schema_key in (
            ("ge", "minimum"),
            ("gt", "exclusiveMinimum"),
            ("le", "maximum"),
            ("min_len", "minLength"),
            ("max_len", "maxLength"),
            ("max_items", "maxItems"),
            ("pattern", "pattern"),
        ):
            if key in spec:
                prop[schema_key] = spec[key]
        props[f.name] = prop
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ScenePlan, built from the dataclasses' field specs."""
    schema = _schema_of(ScenePlan)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://soundloom.dev/schema/v1/scene-plan.json",
        "title": "ScenePlan",
        "description": "A Soundloom scene plan: a timeline of ambience beds and one-shot events.",
        **schema,
        "$defs": {"Event": _schema_of(Event), "Automation": _schema_of(Automation)},
    }


@dataclass(frozen=True)
class SceneRequest:
    """What a user asks for in words: a description, and optionally length, style and room."""

    description: str = field(metadata=_spec("The scene in words", min_len=1, max_len=4000))
    duration_s: float = field(
        default=0.0,
        metadata=_spec("Scene length, seconds; 0 = read from text or 30", ge=0.0, le=MAX_SCENE_S),
    )
    style: str = field(default="", metadata=_spec("Style that conditions every event", max_len=500))
    environment: str = field(
        default="", metadata=_spec("Reverb; empty = read from text", enum=("", *ENVIRONMENTS))
    )


def validate_request(request: SceneRequest) -> SceneRequest:
    """Check a scene request; return it (marked checked) or raise InvalidArgument naming a field."""
    _check_fields("", request)
    if request.duration_s != 0.0 and request.duration_s < 0.1:
        raise InvalidArgument(
            "duration_s", f"must be 0 (from text) or in [0.1, 600], got {request.duration_s}"
        )
    return mark_checked(request)


# ---------------------------------------------------------------- checked once

# Input is validated once, where it enters (the SDK's arguments, an RPC's message, a plan file);
# the engine's entry points then trust what was checked instead of checking it again, and still
# check whatever they are handed raw (a plan a dub or continuation built, a test's request).
# Checked objects are remembered by identity, weakly: the dataclasses are frozen, so a checked
# object keeps its values (`dataclasses.replace` makes a new, unchecked one), nothing is added to
# the object itself (`cls(**obj.__dict__)` still works), and an id is forgotten with its object
# so a later one reusing it is not taken for checked. A plan's `params` is a plain dict: it is
# not to be changed in place once checked.
_CHECKED: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def mark_checked(obj: _Checked) -> _Checked:
    """Record `obj` as valid: only for what validate_* passed or a lossless copy of it."""
    _CHECKED[id(obj)] = obj
    return obj


def is_checked(obj: object) -> bool:
    """Whether `obj` was validated (or copied losslessly from an object that was)."""
    return _CHECKED.get(id(obj)) is obj


def checked_request(request: SceneRequest) -> SceneRequest:
    """The request, validated unless it already was; InvalidArgument names the field."""
    return request if is_checked(request) else validate_request(request)


def checked_options(options: RenderOptions) -> RenderOptions:
    """The options, validated unless they already were; InvalidArgument names the field."""
    return options if is_checked(options) else validate_options(options)


def checked_plan(plan: ScenePlan) -> ScenePlan:
    """The plan, validated unless it already was; InvalidArgument names the field."""
    return plan if is_checked(plan) else validate_plan(plan)
