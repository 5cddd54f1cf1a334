"""The rules planner: deterministic, no weights. Words -> clauses -> events on a timeline.

Beds (ambience) span the scene, or the stretch after a "then"; one-shots take narrative order in
slots with natural spacing; "while/as/with" puts a one-shot in the slot of the one before.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from soundloom_server.engine.plan import (
    Event,
    EventKind,
    ScenePlan,
    SceneRequest,
    validate_plan,
    validate_request,
)
from soundloom_server.engine.planners import register_planner
from soundloom_server.engine.planners.clauses import Clause, Relation, split_clauses
from soundloom_server.engine.planners.descriptors import params_for
from soundloom_server.engine.planners.lexicon import lemmas, tokens
from soundloom_server.engine.planners.matchers import CaptionMatcher, select_matcher
from soundloom_server.engine.seeds import rng_for

DEFAULT_SCENE_S = 30.0
_BED_WORDS = frozenset(
    {
        "constant",
        "continuous",
        "continuously",
        "steady",
        "throughout",
        "background",
        "ambient",
        "ambience",
        "endless",
        "ongoing",
        "persistent",
        "all",
        "everywhere",
        "surround",
        "bed",
        "loop",
        "looping",
        "nonstop",
        "incessant",
        "drone",
        "fall",
        "falling",
        "keep",
        "keeps",
    }
)
_ONE_SHOT_WORDS = frozenset(
    {
        "gust",
        "burst",
        "sudden",
        "suddenly",
        "single",
        "once",
        "clap",
        "crack",
        "bolt",
        "strike",
        "splash",
        "blast",
    }
)
_REPEAT_WORDS = frozenset(
    {
        "occasional",
        "occasionally",
        "intermittent",
        "intermittently",
        "sporadic",
        "sporadically",
        "periodic",
        "periodically",
        "repeated",
        "repeatedly",
        "sometimes",
        "recurring",
    }
)
# Words that set a scene but make no sound of their own.
_SETTING_WORDS = frozenset(
    {
        "night",
        "dawn",
        "dusk",
        "morning",
        "evening",
        "midnight",
        "noon",
        "afternoon",
        "day",
        "darkness",
        "dark",
        "moon",
        "moonlight",
        "fog",
        "mist",
        "sky",
        "lightning",
        "harbour",
        "harbor",
        "port",
        "forest",
        "wood",
        "woods",
        "city",
        "town",
        "village",
        "street",
        "room",
        "cave",
        "hall",
        "castle",
        "dungeon",
        "beach",
        "coast",
        "field",
        "desert",
        "mountain",
        "house",
        "cabin",
        "tavern",
        "inn",
        "market",
        "ship",
        "deck",
        "scene",
        "abandoned",
        "old",
        "empty",
        "winter",
        "summer",
        "autumn",
        "spring",
        "jungle",
        "swamp",
        "garden",
        "park",
        "church",
        "cathedral",
        "kitchen",
        "office",
        "warehouse",
        "factory",
        "station",
        "alley",
        "camp",
        "campsite",
        "valley",
        "lake",
        "island",
        "ruin",
        "ruins",
        "temple",
        "battlefield",
    }
)
_ENVIRONMENT_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("cave", "cavern", "tunnel", "mine", "sewer", "dungeon", "crypt", "grotto"), "cave"
    ),
    **dict.fromkeys(
        (
            "hall",
            "cathedral",
            "church",
            "ballroom",
            "warehouse",
            "temple",
            "atrium",
            "hangar",
            "gym",
            "auditorium",
            "throne",
        ),
        "hall",
    ),
    **dict.fromkeys(
        (
            "room",
            "indoors",
            "inside",
            "kitchen",
            "bedroom",
            "office",
            "corridor",
            "hallway",
            "cabin",
            "tavern",
            "inn",
            "house",
            "attic",
            "basement",
            "cellar",
            "apartment",
            "bathroom",
            "library",
            "shop",
            "classroom",
        ),
        "room",
    ),
    **dict.fromkeys(
        (
            "outdoor",
            "outdoors",
            "outside",
            "forest",
            "woods",
            "street",
            "field",
            "harbour",
            "harbor",
            "beach",
            "city",
            "park",
            "mountain",
            "garden",
            "yard",
            "coast",
            "desert",
            "village",
            "meadow",
            "jungle",
            "camp",
            "valley",
            "lake",
            "dock",
            "pier",
            "alley",
            "battlefield",
            "rooftop",
            "sea",
            "ocean",
        ),
        "outdoor",
    ),
}
# When a description names no bed at all, its setting implies one.
_IMPLIED_BEDS: dict[str, str] = {
    **dict.fromkeys(("forest", "woods", "jungle", "meadow", "garden", "park", "dawn"), "birds"),
    **dict.fromkeys(
        ("harbour", "harbor", "beach", "coast", "sea", "ocean", "pier", "dock", "island", "ship"),
        "ocean_waves",
    ),
    **dict.fromkeys(
        ("city", "market", "tavern", "inn", "crowd", "station", "street"), "crowd_murmur"
    ),
    **dict.fromkeys(("night", "summer", "swamp", "camp", "campsite"), "crickets"),
    **dict.fromkeys(("mountain", "desert", "valley", "winter", "ruins", "battlefield"), "wind"),
    **dict.fromkeys(("fireplace", "hearth", "campfire"), "fire"),
    **dict.fromkeys(("river", "creek", "brook"), "stream"),
}
LEAD_IN_S = 1.5
BED_GAIN_DB = -10.0  # one bed's level; several beds share it
ONE_SHOT_GAP_S = 0.6  # between one-shots of a description with no bed
MIN_ONE_SHOT_S = 0.3


@dataclass
class _Draft:
    """An event being planned, before times are final."""

    clause: Clause
    recipe: str
    kind: EventKind
    params: dict[str, float | str]
    duration_s: float | None
    repeat: bool = False


class RulesPlanner:
    """Embedded planner: deterministic per (description, seed), no model weights.

    Captions find recipes through a matcher: `matcher` names one, else $SOUNDLOOM_MATCHER, else
    the embedded lexicon (which also stands in, with a warning, when the one asked for cannot run).
    """

    name = "rules"

    def __init__(self, matcher: str | None = None) -> None:
        self.matcher = matcher

    def plan(self, request: SceneRequest, seed: int = 0) -> ScenePlan:
        """Decompose the description into beds and one-shots placed on a timeline."""
        validate_request(request)
        clauses, stated_s = split_clauses(request.description)
        duration_s = request.duration_s or stated_s or DEFAULT_SCENE_S
        duration_s = float(min(max(duration_s, 0.1), 600.0))
        warnings: list[str] = []
        matcher, note = select_matcher(self.matcher)
        if note:
            warnings.append(note)
        drafts, setting = _drafts(clauses, warnings, matcher)
        if not any(d.kind is EventKind.AMBIENCE for d in drafts):
            drafts = _implied_beds(setting or [request.description]) + drafts
        if not drafts:
            drafts = [_fallback_draft(request.description, warnings, matcher)]
        if not (request.duration_s or stated_s):
            duration_s = _natural_length(drafts) or duration_s
        rng = rng_for(seed, "plan:" + request.description)
        events = _share_bed_level(_place(drafts, duration_s, rng))
        style = request.style or "; ".join(setting)
        environment = request.environment or _environment(request.description)
        plan = ScenePlan(
            duration_s=duration_s,
            events=tuple(events[:128]),
            style=style[:500],
            environment=environment,
            description=request.description[:4000],
            planner=self.name,
            warnings=tuple(w[:300] for w in warnings[:32]),
        )
        return validate_plan(plan)


def _drafts(
    clauses: list[Clause], warnings: list[str], matcher: CaptionMatcher
) -> tuple[list[_Draft], list[str]]:
    drafts: list[_Draft] = []
    setting: list[str] = []
    for clause in clauses:
        match = matcher.match(clause.text)
        words = set(lemmas(clause.text)) | set(tokens(clause.text))
        if not match.confident:
            if words & _SETTING_WORDS or not words - {""}:
                setting.append(clause.text)
                continue
            warnings.append(
                f"{clause.text!r}: no recipe matched its words; using the nearest, "
                f"{match.recipe.name!r}"
            )
        kind = match.recipe.kind
        if kind is EventKind.AMBIENCE and words & _ONE_SHOT_WORDS:
            kind = EventKind.SFX
        elif kind is EventKind.SFX and words & _BED_WORDS and not words & _ONE_SHOT_WORDS:
            kind = EventKind.AMBIENCE
        drafts.append(
            _Draft(
                clause=clause,
                recipe=match.recipe.name,
                kind=kind,
                params=params_for(match.recipe, clause.text),
                duration_s=clause.duration_s,
                repeat=bool(words & _REPEAT_WORDS) and kind is EventKind.SFX,
            )
        )
        surrounding = _bed_in_phrase(clause, match.recipe.name, matcher)
        if surrounding is not None and all(d.recipe != surrounding.recipe for d in drafts):
            drafts.append(surrounding)
        if len(drafts) >= 64:
            warnings.append("description names more than 64 sounds; the rest were left out")
            break
    return drafts, setting


# "a door slams in the rain", "footsteps during a storm": the phrase names the bed around the sound.
_SURROUNDING = re.compile(
    r"\b(?:in|during|amid|amidst|under)\s+(?:the|a|an)\s+((?:\w+\s+)?\w+)\s*$", re.IGNORECASE
)


def _bed_in_phrase(clause: Clause, main_recipe: str, matcher: CaptionMatcher) -> _Draft | None:
    """A bed named by a closing "in the …" phrase of a one-shot's clause, if one is."""
    found = _SURROUNDING.search(clause.text)
    if found is None:
        return None
    phrase = found.group(1)
    match = matcher.match(phrase)
    if not match.confident or match.recipe.kind is not EventKind.AMBIENCE:
        return None
    if match.recipe.name == main_recipe:
        return None
    bed_clause = Clause(phrase, Relation.LIST, sentence=clause.sentence)
    params = params_for(match.recipe, phrase)
    return _Draft(bed_clause, match.recipe.name, EventKind.AMBIENCE, params, None)


def _implied_beds(setting: list[str]) -> list[_Draft]:
    beds: list[_Draft] = []
    for text in setting:
        for word in (*lemmas(text), *tokens(text)):
            recipe = _IMPLIED_BEDS.get(word)
            if recipe and all(b.recipe != recipe for b in beds):
                clause = Clause(text, Relation.LIST)
                beds.append(_Draft(clause, recipe, EventKind.AMBIENCE, {}, None))
    return beds[:2]


def _fallback_draft(description: str, warnings: list[str], matcher: CaptionMatcher) -> _Draft:
    match = matcher.match(description)
    warnings.append(f"no sound found in the description; using the nearest, {match.recipe.name!r}")
    clause = Clause(description[:500].strip() or "ambience", Relation.FIRST)
    return _Draft(clause, match.recipe.name, match.recipe.kind, {}, None)


def _environment(description: str) -> str:
    for word in (*lemmas(description), *tokens(description)):
        if word in _ENVIRONMENT_WORDS:
            return _ENVIRONMENT_WORDS[word]
    return "none"


def _one_shot_length(draft: _Draft, scene_s: float) -> float:
    from soundloom_server.engine.renderers.procedural.recipes import get_recipe

    recipe = get_recipe(draft.recipe)
    typical = recipe.typical_duration_s if recipe else 2.0
    length = draft.duration_s if draft.duration_s is not None else typical
    return float(min(max(length, min(MIN_ONE_SHOT_S, scene_s * 0.5)), scene_s))


def _slot_starts(lengths: list[float], scene_s: float, rng: np.random.Generator) -> list[float]:
    """Starts for one-shot slots in order, spaced naturally, each ending inside the scene."""
    if not lengths:
        return []
    lead = min(LEAD_IN_S, 0.05 * scene_s)
    tail = min(1.0, 0.03 * scene_s)
    room = max(scene_s - lead - tail, 0.0)
    total = sum(lengths)
    if total <= room:
        weights = rng.uniform(0.7, 1.3, size=len(lengths) + 1)
        weights[0] *= 0.5  # the first sound comes early; people wait for it less
        gaps = (room - total) * weights / weights.sum()
        starts, t = [], lead
        for gap, length in zip(gaps, lengths, strict=False):
            t += gap
            starts.append(t)
            t += length
        return starts
    # Too many sounds for the time: overlap them evenly in narrative order.
    step = (scene_s - lead - lengths[-1]) / max(len(lengths) - 1, 1)
    return [lead + max(step, 0.0) * i for i in range(len(lengths))]


def _pan(draft: _Draft, rng: np.random.Generator) -> float:
    words = set(tokens(draft.clause.text))
    if "left" in words:
        return -0.6
    if "right" in words:
        return 0.6
    if draft.kind is EventKind.AMBIENCE:
        return 0.0
    return float(np.round(rng.uniform(-0.35, 0.35), 3))


def _share_bed_level(events: list[Event]) -> list[Event]:
    """Beds split one bed's level between them, so more beds do not bury the one-shots."""
    beds = sum(1 for e in events if e.kind is EventKind.AMBIENCE)
    if beds <= 1:
        return events
    share = round(-10.0 * math.log10(beds), 2)
    return [
        replace(e, gain_db=e.gain_db + share) if e.kind is EventKind.AMBIENCE else e for e in events
    ]


def _gain(draft: _Draft) -> float:
    # Beds sit well under the foreground, as in a game mix: one-shots (calibrated by their peak)
    # then land ~6-12 LU over the bed even when their energy is sparse (glass, sword rings).
    # Distance is already in the recipes' own level and brightness.
    return BED_GAIN_DB if draft.kind is EventKind.AMBIENCE else 0.0


def _event(
    draft: _Draft,
    event_id: str,
    start: float,
    length: float,
    scene_s: float,
    rng: np.random.Generator,
) -> Event:
    start = float(np.floor(min(max(start, 0.0), scene_s - 1e-3) * 1e4) / 1e4)
    # Times are kept to 0.1 ms; round the end down so it never passes the scene's end.
    length = float(np.floor(max(min(length, scene_s - start), 1e-3) * 1e4) / 1e4)
    if draft.kind is EventKind.AMBIENCE:
        fade_in = min(1.0 if start == 0.0 else 2.0, 0.2 * length)
        fade_out = min(1.5, 0.2 * length)
    else:
        fade_in, fade_out = 0.0, min(0.05, 0.1 * length)
    return Event(
        id=event_id,
        kind=draft.kind,
        caption=draft.clause.text[:500],
        recipe=draft.recipe,
        start_s=start,
        duration_s=length,
        gain_db=_gain(draft),
        pan=_pan(draft, rng),
        fade_in_s=round(fade_in, 4),
        fade_out_s=round(fade_out, 4),
        loop=draft.kind is EventKind.AMBIENCE,
        params=draft.params,
    )


def _slots(drafts: list[_Draft]) -> list[list[int]]:
    """One-shots grouped into narrative slots: "while/as" joins the slot before."""
    slots: list[list[int]] = []
    for i, draft in enumerate(drafts):
        if draft.kind is EventKind.SFX and not draft.repeat and draft.clause.start_s is None:
            if draft.clause.relation is Relation.OVERLAP and slots:
                slots[-1].append(i)
            else:
                slots.append([i])
    return slots


def _natural_length(drafts: list[_Draft]) -> float | None:
    """A length for one-shots alone ("a door slams"): the sounds in order and short gaps.

    None when there is a bed, a repeat or a stated time: those describe a stretch of a scene,
    which gets the default length.
    """
    slots = _slots(drafts)
    if sum(len(slot) for slot in slots) != len(drafts):
        return None
    lengths = [max(_one_shot_length(drafts[i], 600.0) for i in slot) for slot in slots]
    return round(min(sum(lengths) + ONE_SHOT_GAP_S * (len(lengths) - 1) + 0.5, 600.0), 3)


def _place(drafts: list[_Draft], scene_s: float, rng: np.random.Generator) -> list[Event]:
    """Events in narrative order with their times decided."""
    slots = _slots(drafts)
    lengths = {i: _one_shot_length(d, scene_s) for i, d in enumerate(drafts)}
    slot_starts = _slot_starts([max(lengths[i] for i in slot) for slot in slots], scene_s, rng)
    starts = {i: start for slot, start in zip(slots, slot_starts, strict=True) for i in slot}
    counts: dict[str, int] = {}
    events: list[Event] = []
    last_end = 0.0
    for i, draft in enumerate(drafts):
        base = draft.recipe.replace("_", "-")
        for start, length in _times(draft, i, starts, lengths[i], last_end, scene_s, rng):
            counts[base] = counts.get(base, 0) + 1
            events.append(_event(draft, f"{base}-{counts[base]}", start, length, scene_s, rng))
        if draft.kind is EventKind.SFX and events:
            last_end = max(last_end, events[-1].end_s)
    return events


def _times(
    draft: _Draft,
    index: int,
    starts: dict[int, float],
    length: float,
    last_end: float,
    scene_s: float,
    rng: np.random.Generator,
) -> list[tuple[float, float]]:
    explicit = draft.clause.start_s
    if draft.kind is EventKind.AMBIENCE:
        start = explicit if explicit is not None else 0.0
        if explicit is None and draft.clause.relation is Relation.SEQUENCE:
            start = last_end  # "... then rain begins": the bed enters after what came before
        start = min(start, scene_s * 0.9)
        return [(start, draft.duration_s or scene_s - start)]
    if explicit is not None:
        return [(min(explicit, scene_s - length), length)]
    if draft.repeat:
        count = int(min(max(round(scene_s / 12.0), 2), 6))
        span = max(scene_s - length, 0.0)
        centres = (np.arange(count) + rng.uniform(0.25, 0.75, size=count)) * span / count
        return [(float(c), length) for c in centres]
    return [(starts[index], length)]


register_planner("rules", RulesPlanner)
