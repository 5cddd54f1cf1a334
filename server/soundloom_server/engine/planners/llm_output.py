"""Turning a language model's free text into a valid plan: extract, repair, validate.

Pure Python (no torch), so the parser is tested with canned outputs. A model's answer is judged
in three steps: find the one JSON object in the text (fences and chatter around it are fine),
repair what can be repaired without guessing (clamp numbers into range, fix ids, map unknown
recipes by caption), and validate. Anything worse raises `PlanParseError` with a reason short
enough to record in `plan.warnings` and to feed back to the model on a retry.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    ENVIRONMENTS,
    GROUP_PATTERN,
    ID_PATTERN,
    MAX_EVENTS,
    Automation,
    Event,
    EventKind,
    ScenePlan,
    plan_from_dict,
)

MIN_EVENT_S = 0.05
_EVENT_FIELDS = frozenset(f.name for f in fields(Event))
_PLAN_FIELDS = frozenset(
    {"duration_s", "events", "style", "environment", "description", "unmatched"}
)
# The plan model's own limits, so a repair clamps exactly where validation would refuse.
_RANGES = {
    f.name: (f.metadata["ge"], f.metadata["le"])
    for f in fields(Event)
    if f.name in ("gain_db", "pan")
}

RecipeLookup = Callable[[str, str], str | None]


class PlanParseError(ValueError):
    """The model's text holds no plan that can be repaired; `reason` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedPlan:
    """A valid plan read from model output, with notes on everything that was repaired."""

    plan: ScenePlan
    repairs: tuple[str, ...]


def extract_json_object(text: str) -> str:
    """The first complete top-level JSON object in `text`; raises PlanParseError if none."""
    start = text.find("{")
    if start < 0:
        raise PlanParseError("no JSON object in the output")
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise PlanParseError("the JSON object is truncated (unbalanced braces)")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip().rstrip("s").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip().lower()).strip("-")
    return slug[:48] or "event"


def _repair_event(
    raw: Any,
    index: int,
    scene_s: float,
    recipes: Mapping[str, EventKind],
    lookup: RecipeLookup | None,
    notes: list[str],
    clip_ends: bool = False,
) -> dict[str, Any] | None:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        notes.append(f"{where}: dropped, not an object")
        return None
    unknown = sorted(set(raw) - _EVENT_FIELDS)
    if unknown:
        notes.append(f"{where}: ignored unknown fields {', '.join(unknown)}")
    caption = raw.get("caption")
    if not isinstance(caption, str) or not caption.strip():
        notes.append(f"{where}: dropped, no caption")
        return None
    caption = caption.strip()[:500]
    recipe = raw.get("recipe") if isinstance(raw.get("recipe"), str) else ""
    if recipe not in recipes:
        mapped = lookup(caption, recipe) if lookup is not None else None
        if mapped is None or mapped not in recipes:
            notes.append(f"{where}: dropped, unknown recipe {recipe!r}")
            return None
        notes.append(f"{where}: recipe {recipe!r} -> {mapped!r} by caption")
        recipe = mapped
    kind_raw = raw.get("kind")
    kind = kind_raw if kind_raw in (k.value for k in EventKind) else recipes[recipe].value
    if kind_raw is not None and kind != kind_raw:
        notes.append(f"{where}.kind: {kind_raw!r} -> {kind!r}")
    start = _number(raw.get("start_s"))
    duration = _number(raw.get("duration_s"))
    if start is None:
        start = 0.0
        notes.append(f"{where}.start_s: missing, set to 0")
    if duration is None:
        duration = scene_s if kind == EventKind.AMBIENCE.value else min(2.0, scene_s)
        notes.append(f"{where}.duration_s: missing, set to {duration:g}")
    fixed_start = _clamp(start, 0.0, max(scene_s - MIN_EVENT_S, 0.0))
    fixed_duration = _clamp(duration, MIN_EVENT_S, scene_s - fixed_start)
    if fixed_start != start:
        notes.append(f"{where}.start_s: {start:g} clamped to {fixed_start:g}")
    # Under the draft schema an event is cut at the scene's end by definition (the schema cannot
    # tie a duration to its start): that is reading the answer, not repairing it.
    if abs(fixed_duration - duration) > 1e-9 and not (clip_ends and fixed_start == start):
        notes.append(f"{where}.duration_s: {duration:g} clamped to {fixed_duration:g}")
    event: dict[str, Any] = {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else "",
        "kind": kind,
        "caption": caption,
        "recipe": recipe,
        "start_s": round(fixed_start, 6),
        "duration_s": round(fixed_duration, 6),
    }
    for name, (low, high) in _RANGES.items():
        value = _number(raw.get(name))
        if value is not None:
            event[name] = _clamp(value, low, high)
            if event[name] != value:
                notes.append(f"{where}.{name}: {value:g} clamped to {event[name]:g}")
    fade_in = max(_number(raw.get("fade_in_s")) or 0.0, 0.0)
    fade_out = max(_number(raw.get("fade_out_s")) or 0.0, 0.0)
    if fade_in + fade_out > fixed_duration:
        scale = fixed_duration / (fade_in + fade_out)
        fade_in, fade_out = fade_in * scale * 0.999, fade_out * scale * 0.999
        notes.append(f"{where}: fades shortened to fit the event")
    event["fade_in_s"], event["fade_out_s"] = fade_in, fade_out
    # A bed loops unless the model says otherwise, as the rules planner's beds do.
    event["loop"] = raw["loop"] if isinstance(raw.get("loop"), bool) else kind == "ambience"
    params = raw.get("params")
    if isinstance(params, dict):
        event["params"] = _repair_params(recipe, params, where, notes)
    if isinstance(raw.get("renderer"), str):
        event["renderer"] = raw["renderer"][:64]
    _repair_extras(raw, event, where, notes)
    return event


def _repair_params(
    recipe_name: str, params: dict[Any, Any], where: str, notes: list[str]
) -> dict[str, Any]:
    """Only the params the recipe declares, with words it knows and numbers where it wants them."""
    from soundloom_server.engine.renderers.procedural.recipes import get_recipe

    recipe = get_recipe(recipe_name)
    specs = {p.name: p for p in recipe.params} if recipe else None
    kept: dict[str, Any] = {}
    for key, value in params.items():
        name = str(key)
        number = None if isinstance(value, str) else _number(value)
        spec = specs.get(name) if specs is not None else None
        if specs is not None and spec is None:
            notes.append(f"{where}.params.{name}: dropped, not a parameter of {recipe_name}")
        elif spec is not None and spec.choices and value not in spec.choices:
            notes.append(
                f"{where}.params.{name}: dropped {value!r} (one of {', '.join(spec.choices)})"
            )
        elif spec is not None and not spec.choices and number is None:
            notes.append(f"{where}.params.{name}: dropped {value!r}, not a number")
        elif isinstance(value, str) or number is not None:
            kept[name] = value if isinstance(value, str) else number
    return kept


def _repair_extras(
    raw: dict[str, Any], event: dict[str, Any], where: str, notes: list[str]
) -> None:
    """Keep group, implied, match_score and automation, brought into range."""
    group = raw.get("group")
    if isinstance(group, str) and group:
        fixed = _slug(group) if not GROUP_PATTERN.fullmatch(group) else group
        if fixed != group:
            notes.append(f"{where}.group: {group!r} -> {fixed!r}")
        event["group"] = fixed[:64]
    if isinstance(raw.get("implied"), bool):
        event["implied"] = raw["implied"]
    score = _number(raw.get("match_score"))
    if score is not None:
        event["match_score"] = _clamp(score, 0.0, 1.0)
    if isinstance(raw.get("automation"), dict):
        event["automation"] = _repair_automation(raw["automation"], f"{where}.automation", notes)


def _repair_automation(raw: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    """Curves with numeric points only, t clamped to [0, 1] and rising, values in range."""
    curves: dict[str, Any] = {}
    for f in fields(Automation):
        points = raw.get(f.name)
        if not isinstance(points, list):
            continue
        low, high = f.metadata["value_ge"], f.metadata["value_le"]
        kept: list[dict[str, float]] = []
        for point in points:
            t = _number(point.get("t")) if isinstance(point, dict) else None
            value = _number(point.get("value")) if isinstance(point, dict) else None
            if t is None or value is None:
                continue
            t, value = _clamp(t, 0.0, 1.0), _clamp(value, low, high)
            if kept and t <= kept[-1]["t"]:
                continue
            kept.append({"t": t, "value": value})
        if len(kept) != len(points):
            notes.append(f"{where}.{f.name}: kept {len(kept)} of {len(points)} points")
        curves[f.name] = kept[: f.metadata["max_items"]]
    return curves


def _unique_ids(events: list[dict[str, Any]], notes: list[str]) -> None:
    seen: set[str] = set()
    for i, event in enumerate(events):
        wanted = event["id"]
        if not ID_PATTERN.fullmatch(wanted or "") or wanted in seen:
            base = _slug(wanted or event["recipe"])
            candidate, n = f"{base}-{i}", i
            while candidate in seen:
                n += 1
                candidate = f"{base}-{n}"
            if wanted:
                notes.append(f"events[{i}].id: {wanted!r} -> {candidate!r}")
            event["id"] = candidate
        seen.add(event["id"])


def repair_plan_data(
    data: Any,
    duration_s: float,
    recipes: Mapping[str, EventKind],
    lookup: RecipeLookup | None = None,
    description: str = "",
    style: str = "",
    clip_ends: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Plan data brought into range for a `duration_s` scene, and notes on what changed.

    `clip_ends`: events running past the scene's end are cut there without a note (the draft
    schema's rule); otherwise the cut is a noted repair.
    """
    if not isinstance(data, dict):
        raise PlanParseError(f"expected a JSON object, got {type(data).__name__}")
    events_raw = data.get("events")
    if not isinstance(events_raw, list):
        raise PlanParseError("wrong schema: no 'events' list")
    notes: list[str] = []
    unknown = sorted(set(data) - _PLAN_FIELDS - {"planner", "warnings"})
    if unknown:
        notes.append(f"ignored unknown fields {', '.join(unknown)}")
    stated = _number(data.get("duration_s"))
    if stated is not None and abs(stated - duration_s) > 1e-6:
        notes.append(f"duration_s: {stated:g} -> {duration_s:g} (the requested length)")
    events = [
        e
        for i, raw in enumerate(events_raw[:MAX_EVENTS])
        if (e := _repair_event(raw, i, duration_s, recipes, lookup, notes, clip_ends)) is not None
    ]
    if len(events_raw) > MAX_EVENTS:
        notes.append(f"kept the first {MAX_EVENTS} of {len(events_raw)} events")
    if not events:
        raise PlanParseError("no usable events")
    _unique_ids(events, notes)
    environment = data.get("environment")
    if environment not in ENVIRONMENTS:
        if environment is not None:
            notes.append(f"environment: {environment!r} -> 'none'")
        environment = "none"
    model_style = data.get("style") if isinstance(data.get("style"), str) else ""
    unmatched = data.get("unmatched")
    return {
        "duration_s": duration_s,
        "unmatched": [u[:200] for u in unmatched if isinstance(u, str)][:32]
        if isinstance(unmatched, list)
        else [],
        "events": events,
        "style": (style or model_style)[:500],
        "environment": environment,
        "description": description[:4000],
    }, notes


def parse_plan_text(
    text: str,
    duration_s: float,
    recipes: Mapping[str, EventKind],
    lookup: RecipeLookup | None = None,
    description: str = "",
    style: str = "",
    clip_ends: bool = False,
) -> ParsedPlan:
    """A valid plan from a model's answer, or PlanParseError naming what is wrong with it."""
    blob = extract_json_object(text)
    try:
        data = json.loads(blob)
    except json.JSONDecodeError as exc:
        raise PlanParseError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    fixed, notes = repair_plan_data(
        data, duration_s, recipes, lookup, description, style, clip_ends
    )
    try:
        plan = plan_from_dict(fixed)
    except InvalidArgument as exc:  # repair missed something: say what, so a retry can fix it
        raise PlanParseError(f"invalid plan: {exc}") from None
    return ParsedPlan(plan, tuple(notes))
