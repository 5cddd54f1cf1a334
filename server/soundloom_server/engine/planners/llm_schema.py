"""The bounded JSON Schema a model's answer is held to, and the short recipe list it reads.

The plan's own schema (`plan_json_schema`) describes every field a plan may have, with open
numbers and strings; a small model drowns in it and a grammar over it need never end. The draft
schema asks only for what the model decides (what is heard, which recipe, when, for how long,
whether the place implies it) and bounds every part: a few events, captions of a pattern and a
length, recipe names and times from enums. So a decoder held to it always closes the object
within `max_chars(...)` characters, and what it writes is a plan `parse_plan_text` accepts with
nothing to repair. Pure Python: the tests and the llama.cpp path read it without torch.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from soundloom_server.engine.plan import ENVIRONMENTS, EventKind

DEFAULT_MAX_EVENTS = 12
MAX_CAPTION = 60
MAX_UNMATCHED = 4
MAX_UNMATCHED_CHARS = 40
MAX_TIME_VALUES = 121  # enough for 0.5 s steps over a minute; longer scenes get coarser steps
SHORT_DURATIONS = (0.2, 0.3, 0.5, 0.8)  # one-shots shorter than a second need finer values
# Words, digits and light punctuation only: no quotes or escapes to mis-balance, no control
# characters json.loads refuses, and a first letter so no caption is blank.
_CAPTION_TAIL = "[A-Za-z0-9 ,.'()-]"
FIELD_ORDER = ("caption", "recipe", "start_s", "duration_s", "implied")


def _number(value: float) -> float | int:
    # An integral time is written as an int ("12", not "12.0"): fewer tokens, the form models use.
    return int(value) if float(value).is_integer() else round(value, 3)


def time_step(duration_s: float) -> float:
    """The grid step of start and duration values: 0.5 s up to a minute, coarser beyond."""
    return max(0.5, math.ceil(2 * duration_s / (MAX_TIME_VALUES - 1)) / 2)


def start_values(duration_s: float) -> list[float | int]:
    """Every start the model may choose: the grid from 0 to just before the scene's end."""
    step = time_step(duration_s)
    count = max(1, math.ceil(duration_s / step))
    return [_number(i * step) for i in range(count) if i * step < duration_s]


def duration_values(duration_s: float) -> list[float | int]:
    """Every length the model may choose: a few sub-second ones, the grid, the whole scene."""
    step = time_step(duration_s)
    short = [_number(d) for d in SHORT_DURATIONS if d < min(step * 2, duration_s)]
    count = math.floor(duration_s / step + 1e-9)
    grid = [_number(i * step) for i in range(1, count + 1)]
    # The whole scene is always a choice, off the grid or not (a bed from 0 to the end).
    return sorted({*short, *grid, _number(duration_s)})


def draft_schema(
    duration_s: float, recipes: Mapping[str, EventKind], max_events: int = DEFAULT_MAX_EVENTS
) -> dict[str, Any]:
    """The bounded schema of a model's answer for a `duration_s` scene using `recipes`."""
    event = {
        "type": "object",
        "properties": {
            "caption": {
                "type": "string",
                "pattern": f"^[A-Za-z]{_CAPTION_TAIL}{{0,{MAX_CAPTION - 1}}}$",
            },
            "recipe": {"type": "string", "enum": sorted(recipes)},
            "start_s": {"enum": start_values(duration_s)},
            "duration_s": {"enum": duration_values(duration_s)},
            "implied": {"type": "boolean"},
        },
        "required": list(FIELD_ORDER),
        "additionalProperties": False,
    }
    unmatched_item = {
        "type": "string",
        "pattern": f"^[A-Za-z]{_CAPTION_TAIL}{{0,{MAX_UNMATCHED_CHARS - 1}}}$",
    }
    return {
        "type": "object",
        "properties": {
            "events": {"type": "array", "minItems": 1, "maxItems": max_events, "items": event},
            "environment": {"type": "string", "enum": list(ENVIRONMENTS)},
            "unmatched": {"type": "array", "maxItems": MAX_UNMATCHED, "items": unmatched_item},
        },
        "required": ["events", "environment", "unmatched"],
        "additionalProperties": False,
    }


def max_chars(schema: Mapping[str, Any]) -> int:
    """An upper bound on the characters of any answer held to `schema` (draft_schema's shape).

    The longest compact instance, doubled: the decoder allows at most one whitespace character
    between tokens, so whitespace can at most double the structure. A decoder that may write
    this many tokens always reaches the closing brace (every token is at least one character).
    """
    properties = schema["properties"]
    event = properties["events"]["items"]["properties"]
    longest_event = {
        "caption": "x" * MAX_CAPTION,
        "recipe": max(event["recipe"]["enum"], key=len),
        "start_s": max(event["start_s"]["enum"], key=lambda v: len(str(v))),
        "duration_s": max(event["duration_s"]["enum"], key=lambda v: len(str(v))),
        "implied": False,
    }
    longest = {
        "events": [longest_event] * properties["events"]["maxItems"],
        "environment": max(properties["environment"]["enum"], key=len),
        "unmatched": ["x" * MAX_UNMATCHED_CHARS] * properties["unmatched"]["maxItems"],
    }
    return 2 * len(json.dumps(longest, separators=(",", ":"))) + 8


def recipe_lines(max_tags: int = 2) -> str:
    """The recipes as the model reads them: `name (kind): what it is; tag, tag`, one per line."""
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    lines = []
    for recipe in all_recipes():
        # The description's first phrase says what it is ("A door opening"); the rest of it is
        # for people. Tags add other words for it, skipping the name and plurals of it.
        what = re.split(r"[:;,(.]", recipe.description)[0].strip()[:48]
        seen = [*recipe.name.split("_"), *what.lower().split()]
        tags: list[str] = []
        for tag in recipe.tags:
            words = tag.split()
            if not all(any(w.startswith(s) and len(w) - len(s) <= 3 for s in seen) for w in words):
                tags.append(tag)
                seen.extend(words)
            if len(tags) == max_tags:
                break
        extra = f"; {', '.join(tags)}" if tags else ""
        lines.append(f"{recipe.name} ({recipe.kind.value}): {what.lower()}{extra}")
    return "\n".join(lines)
