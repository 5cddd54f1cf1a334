"""Placing read sources on the timeline: narrative slots, recurrences, motion, no dead stretches.

Beds span the scene (or the stretch after a "then"); one-shots take narrative order in slots
with natural spacing; "while/as" shares the slot before; the parts of one source share a slot,
a pan and a motion. Sounds that recur in life recur with variety, and a long scene whose
foreground leaves a gap over a quarter of it gets a recurrence there, or a bed that moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from soundloom_server.engine.plan import Automation, CurvePoint, Event, EventKind
from soundloom_server.engine.planners.clauses import Clause, Relation
from soundloom_server.engine.planners.gestures import (
    DISTANCE_GESTURES,
    MOVING,
    across,
    automation_for,
)
from soundloom_server.engine.planners.lexicon import tokens
from soundloom_server.engine.planners.scene_words import (
    ACROSS_RECURRENCES,
    MOVING_S,
    ONE_SHOT_WORDS,
    RECURRING,
    SINGLE_WORDS,
)
from soundloom_server.engine.renderers.procedural.recipes import get_recipe

DEFAULT_SCENE_S = 30.0
LEAD_IN_S = 1.5
BED_GAIN_DB = -10.0  # one bed's level; several beds share it
# Layers the planner adds for a place (water lapping at a harbour) sit under what was described:
# they fill the space without competing with the named beds or the one-shots.
IMPLIED_GAIN_DB = -4.0
ONE_SHOT_GAP_S = 0.6  # between one-shots of a description with no bed
MIN_ONE_SHOT_S = 0.3
DEAD_SHARE = 0.25  # the longest stretch with only steady beds, as a share of a long scene
LONG_SCENE_S = 20.0
RECUR_MIN_SCENE_S = 15.0
RECUR_CLEAR_S = 0.5  # a recurrence keeps this far from the other one-shots' slots
PACE = {"fast": 0.6, "slow": 1.4, "": 1.0}


@dataclass
class Draft:
    """A source (or one part of one) being planned, before times are final."""

    clause: Clause
    recipe: str
    kind: EventKind
    params: dict[str, float | str]
    duration_s: float | None
    repeat: bool = False  # "occasional": spread over the scene
    group: str = ""
    gestures: list[str] = field(default_factory=list)
    implied: bool = False
    score: float = 1.0
    gain_db: float = 0.0
    caption: str = ""
    recurs: bool = True  # may recur when its recipe recurs in life
    enters: bool = False  # a bed that starts at its place in the story ("an alarm goes off")

    @property
    def moving(self) -> bool:
        """True when a gesture moves the source (departs, recedes, approaches, pans)."""
        return bool(set(self.gestures) & MOVING)


@dataclass(frozen=True)
class _Take:
    """One occurrence of a draft on the timeline."""

    start: float
    length: float
    params: dict[str, float | str]


def _typical(draft: Draft) -> float:
    recipe = get_recipe(draft.recipe)
    return recipe.typical_duration_s if recipe else 2.0


def _one_shot_length(draft: Draft, scene_s: float, solo: bool = False) -> float:
    if draft.duration_s is not None:
        length = draft.duration_s
    elif draft.moving:
        length = scene_s if solo else min(MOVING_S, max(0.5 * scene_s, _typical(draft)))
    else:
        length = _typical(draft)
    return float(min(max(length, min(MIN_ONE_SHOT_S, scene_s * 0.5)), scene_s))


def _slots(drafts: list[Draft]) -> list[list[int]]:
    """One-shots grouped into narrative slots: "while/as" and a source's parts share one."""
    slots: list[list[int]] = []
    by_group: dict[str, list[int]] = {}
    for i, draft in enumerate(drafts):
        if draft.kind is not EventKind.SFX or draft.repeat or draft.clause.start_s is not None:
            continue
        if draft.group and draft.group in by_group:
            by_group[draft.group].append(i)
        elif draft.clause.relation is Relation.OVERLAP and slots:
            slots[-1].append(i)
        else:
            slots.append([i])
        if draft.group:
            by_group.setdefault(draft.group, slots[-1])
    return slots


def natural_length(drafts: list[Draft]) -> float | None:
    """A length for one-shots alone ("a door slams"): the sounds in order and short gaps.

    None when there is a bed, a repeat or a stated time: those describe a stretch of a scene.
    """
    slots = _slots(drafts)
    if sum(len(slot) for slot in slots) != len(drafts):
        return None
    lengths = [max(_one_shot_length(drafts[i], 600.0) for i in slot) for slot in slots]
    if len(slots) == 1 and any(drafts[i].moving for i in slots[0]):
        lengths = [MOVING_S if all(drafts[i].duration_s is None for i in slots[0]) else lengths[0]]
    return round(min(sum(lengths) + ONE_SHOT_GAP_S * (len(lengths) - 1) + 0.5, 600.0), 3)


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


def _recurs(draft: Draft, scene_s: float) -> bool:
    words = set(tokens(draft.clause.text))
    if draft.recipe not in RECURRING or not draft.recurs or draft.implied:
        return False
    if draft.duration_s is not None or draft.clause.start_s is not None:
        return False
    if set(draft.gestures) & DISTANCE_GESTURES and draft.recipe not in ACROSS_RECURRENCES:
        return False  # footsteps that approach are one walk, moving
    return scene_s >= RECUR_MIN_SCENE_S and not words & (SINGLE_WORDS | ONE_SHOT_WORDS)


def _clear_of(start: float, length: float, busy: Sequence[tuple[float, float]]) -> float:
    """The first start from `start` at which `length` seconds overlap none of the busy spans."""
    moved = True
    while moved:
        moved = False
        for lo, hi in busy:
            if start < hi + RECUR_CLEAR_S and lo - RECUR_CLEAR_S < start + length:
                start, moved = hi + RECUR_CLEAR_S, True
    return start


def _recurrences(
    draft: Draft, first: float, scene_s: float, rng: np.random.Generator, pace: float,
    busy: Sequence[tuple[float, float]] = (),
) -> list[_Take]:  # fmt: skip
    """The draft again and again from `first`: varied lengths, gaps and (far sounds) distance.

    Takes after the first leave the other one-shots (`busy`: their slots, and the takes already
    placed) clear: a walk that recurs pauses while the door slams, so neither masks the other.
    """
    (low, high), (gap_low, gap_high), most = RECURRING[draft.recipe]
    takes: list[_Take] = []
    start = first
    while len(takes) < most:
        wanted = rng.uniform(low, high)
        if takes:
            start = _clear_of(start, float(wanted), busy)
        length = float(min(wanted, scene_s - start))
        if length < min(low, 1.0):
            break
        params = dict(draft.params)
        if draft.recipe in ACROSS_RECURRENCES and "distance" in _param_names(draft.recipe):
            base = float(draft.params.get("distance", 0.5))
            params["distance"] = round(float(np.clip(base + rng.uniform(-0.3, 0.3), 0.05, 0.95)), 3)
        takes.append(_Take(start, length, params))
        start += length + rng.uniform(gap_low, gap_high) * pace
        if start >= scene_s - min(low, 1.0):
            break
    if takes and draft.recipe in ACROSS_RECURRENCES:
        _spread(takes, draft)
    return takes


def _spread(takes: list[_Take], draft: Draft) -> None:
    """Recurrences at distances the gesture asks for ("draws closer": far to near)."""
    planned = across(draft.gestures, len(takes))
    if planned is None:
        return
    for i, distance in enumerate(planned):
        takes[i] = replace(takes[i], params={**takes[i].params, "distance": distance})


def _param_names(recipe_name: str) -> set[str]:
    recipe = get_recipe(recipe_name)
    return {p.name for p in recipe.params} if recipe else set()


def _takes(
    draft: Draft, slot_start: float | None, length: float, last_end: float, scene_s: float,
    rng: np.random.Generator, pace: float, busy: Sequence[tuple[float, float]] = (),
) -> list[_Take]:  # fmt: skip
    explicit = draft.clause.start_s
    if draft.kind is EventKind.AMBIENCE:
        start = explicit if explicit is not None else 0.0
        if explicit is None and (draft.clause.relation is Relation.SEQUENCE or draft.enters):
            start = last_end  # "... then rain begins": the bed enters after what came before
        start = min(start, scene_s * 0.9)
        return [_Take(start, draft.duration_s or scene_s - start, draft.params)]
    if explicit is not None:
        return [_Take(min(explicit, scene_s - length), length, draft.params)]
    if draft.repeat:
        count = int(min(max(round(scene_s / 12.0), 2), 6))
        span = max(scene_s - length, 0.0)
        centres = (np.arange(count) + rng.uniform(0.25, 0.75, size=count)) * span / count
        return [_Take(float(c), length, draft.params) for c in centres]
    start = slot_start if slot_start is not None else 0.0
    if _recurs(draft, scene_s):
        return _recurrences(draft, start, scene_s, rng, pace, busy) or [
            _Take(start, length, draft.params)
        ]
    return [_Take(start, length, draft.params)]


def _pan(draft: Draft, rng: np.random.Generator) -> float:
    words = set(tokens(draft.clause.text))
    if "left" in words:
        return -0.6
    if "right" in words:
        return 0.6
    if draft.kind is EventKind.AMBIENCE:
        return 0.0
    return float(np.round(rng.uniform(-0.35, 0.35), 3))


def _automation(draft: Draft, recurring: bool) -> Automation:
    """The draft's gestures as curves; a recurring far sound plays them across recurrences."""
    if not draft.gestures or (recurring and draft.recipe in ACROSS_RECURRENCES):
        return Automation()
    return automation_for(draft.gestures)


def _event(
    draft: Draft, event_id: str, take: _Take, scene_s: float, pan: float, automation: Automation
) -> Event:
    start = float(np.floor(min(max(take.start, 0.0), scene_s - 1e-3) * 1e4) / 1e4)
    # Times are kept to 0.1 ms; round the end down so it never passes the scene's end.
    length = float(np.floor(max(min(take.length, scene_s - start), 1e-3) * 1e4) / 1e4)
    if draft.kind is EventKind.AMBIENCE:
        fade_in = min(1.0 if start == 0.0 else 2.0, 0.2 * length)
        fade_out = min(1.5, 0.2 * length)
    else:
        fade_in, fade_out = 0.0, min(0.05, 0.1 * length)
        if draft.moving:
            fade_in, fade_out = min(0.5, 0.1 * length), min(1.0, 0.15 * length)
    params = dict(take.params)
    if automation.distance:
        params.pop("distance", None)  # the curve says where it is
    return Event(
        id=event_id,
        kind=draft.kind,
        caption=(draft.caption or draft.clause.text)[:500],
        recipe=draft.recipe,
        start_s=start,
        duration_s=length,
        gain_db=(BED_GAIN_DB if draft.kind is EventKind.AMBIENCE else 0.0)
        + draft.gain_db
        + (IMPLIED_GAIN_DB if draft.implied else 0.0),
        pan=pan,
        fade_in_s=round(fade_in, 4),
        fade_out_s=round(fade_out, 4),
        loop=draft.kind is EventKind.AMBIENCE,
        params=params,
        group=draft.group,
        implied=draft.implied,
        match_score=draft.score,
        automation=automation,
    )


def place(
    drafts: list[Draft], scene_s: float, rng: np.random.Generator, pacing: str = "",
    quiet: bool = False,
) -> list[Event]:  # fmt: skip
    """Events in narrative order with their times, pans and curves decided."""
    slots = _slots(drafts)
    solo = len(slots) == 1
    lengths = {i: _one_shot_length(d, scene_s, solo) for i, d in enumerate(drafts)}
    slot_lengths = [max(lengths[i] for i in slot) for slot in slots]
    slot_starts = _slot_starts(slot_lengths, scene_s, rng)
    starts, group_length, slot_of = {}, {}, {}
    for n, (slot, start, length) in enumerate(zip(slots, slot_starts, slot_lengths, strict=True)):
        for i in slot:
            starts[i] = start
            group_length[i] = length if drafts[i].group else lengths[i]
            slot_of[i] = n
    spans = [
        (start, start + length) for start, length in zip(slot_starts, slot_lengths, strict=True)
    ]
    pans: dict[str, float] = {}
    counts: dict[str, int] = {}
    events: list[Event] = []
    last_end = 0.0
    placed: list[tuple[float, float]] = []  # earlier sources' one-shots
    for i, draft in enumerate(drafts):
        length = group_length.get(i, lengths[i])
        busy = [span for n, span in enumerate(spans) if n != slot_of.get(i)] + placed
        takes = _takes(draft, starts.get(i), length, last_end, scene_s, rng, PACE[pacing], busy)
        key = draft.group or f"#{i}"
        pan = pans.setdefault(key, _pan(draft, rng))
        automation = _automation(draft, len(takes) > 1)
        for take in takes:
            base = draft.recipe.replace("_", "-")
            counts[base] = counts.get(base, 0) + 1
            event_id = f"{base}-{counts[base]}"
            events.append(_event(draft, event_id, take, scene_s, pan, automation))
        if draft.kind is EventKind.SFX and takes:
            last_end = max(last_end, events[-len(takes)].end_s)
            placed += [(e.start_s, e.end_s) for e in events[-len(takes) :]]
    if scene_s >= LONG_SCENE_S and not quiet:
        events = _liven(events, drafts, scene_s, rng)
    return _share_bed_level(events)


def _lively(events: list[Event]) -> list[tuple[float, float]]:
    return sorted(
        (e.start_s, e.end_s) for e in events if e.kind is EventKind.SFX or bool(e.automation)
    )


def _widest_gap(spans: list[tuple[float, float]], scene_s: float) -> tuple[float, float]:
    """(start, end) of the longest stretch that no span covers."""
    best, reach = (0.0, 0.0), 0.0
    for start, end in spans:
        if start - reach > best[1] - best[0]:
            best = (reach, start)
        reach = max(reach, end)
    if scene_s - reach > best[1] - best[0]:
        best = (reach, scene_s)
    return best


def _liven(
    events: list[Event], drafts: list[Draft], scene_s: float, rng: np.random.Generator
) -> list[Event]:
    """Fill stretches over DEAD_SHARE of the scene: a recurring sound once more, else the
    bed under the gap ebbs and flows."""
    for _ in range(8):
        spans = _lively(events)
        if not spans:
            return events
        lo, hi = _widest_gap(spans, scene_s)
        if hi - lo <= DEAD_SHARE * scene_s:
            return events
        extra = _recurrence_in(events, drafts, lo, hi, rng)
        if extra is None:
            return _ebb(events, lo, hi, scene_s, rng)
        events.append(extra)
    return events


def _recurrence_in(
    events: list[Event], drafts: list[Draft], lo: float, hi: float, rng: np.random.Generator
) -> Event | None:
    """One more take of a sound that recurs (or repeats), placed inside the gap."""
    for draft in drafts:
        if not (draft.repeat or (draft.recipe in RECURRING and draft.recurs)) or draft.implied:
            continue
        if draft.kind is not EventKind.SFX or draft.moving:
            continue
        same = [
            e
            for e in events
            if e.recipe == draft.recipe
            and e.caption.startswith((draft.caption or draft.clause.text)[:500])
        ]
        if not same or same[0].start_s > lo + 1e-6:
            continue
        template = same[-1]
        length = min(template.duration_s, hi - lo)
        start = lo + (hi - lo - length) * float(rng.uniform(0.35, 0.65))
        count = sum(1 for e in events if e.recipe == draft.recipe) + 1
        event_id = f"{draft.recipe.replace('_', '-')}-{count}"
        while any(e.id == event_id for e in events):
            count += 1
            event_id = f"{draft.recipe.replace('_', '-')}-{count}"
        return replace(template, id=event_id, start_s=round(start, 4), duration_s=length)
    return None


def _ebb(
    events: list[Event], lo: float, hi: float, scene_s: float, rng: np.random.Generator
) -> list[Event]:
    """The first steady bed sounding over the gap swells gently and settles back."""
    for index, event in enumerate(events):
        if event.kind is not EventKind.AMBIENCE or event.automation:
            continue
        if event.start_s > lo + 1e-6 or event.end_s < hi - 1e-6:
            continue
        base = float(event.params.get("intensity", 0.5))
        swells = min(max(2, round(event.duration_s / 12.0)), 10)  # <= 21 points
        points = [CurvePoint(0.0, base)]
        for n in range(swells):
            peak = (n + 0.5 + float(rng.uniform(-0.15, 0.15))) / swells
            points.append(CurvePoint(round(peak, 4), round(min(base + 0.25, 1.0), 3)))
            points.append(CurvePoint(round(min((n + 1) / swells, 1.0), 4), base))
        curve = tuple(p for k, p in enumerate(points) if k == 0 or p.t > points[k - 1].t)
        events[index] = replace(event, automation=Automation(intensity=curve))
        return events
    return events


def _share_bed_level(events: list[Event]) -> list[Event]:
    """Beds split one bed's level between them, so more beds do not bury the one-shots."""
    beds = sum(1 for e in events if e.kind is EventKind.AMBIENCE and not e.implied)
    if beds <= 1:
        return events
    share = round(-10.0 * math.log10(beds), 2)
    return [
        replace(e, gain_db=max(e.gain_db + share, -60.0)) if e.kind is EventKind.AMBIENCE else e
        for e in events
    ]
