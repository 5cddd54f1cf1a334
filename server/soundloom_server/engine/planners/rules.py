"""The rules planner: deterministic, no weights. Words -> clauses -> sources -> a timeline.

A heading ("Mystery chase:") and mood words set the style and pacing, never an event. Each clause
names a source by its head (story.py); a source made of parts becomes one group; gestures
become automation; places add their implied layers; recurring sounds recur (timeline.py).
A sound no recipe fits is left out and named in `unmatched`; a plan with nothing is refused.
"""

from __future__ import annotations

import re
from dataclasses import replace

from soundloom_server.engine.backend import Availability
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    MAX_EVENTS,
    MAX_SCENE_S,
    WEAK_MATCH,
    EventKind,
    ScenePlan,
    SceneRequest,
    checked_request,
    validate_plan,
)
from soundloom_server.engine.planners.clauses import Clause, Relation, split_clauses
from soundloom_server.engine.planners.descriptors import params_for
from soundloom_server.engine.planners.gestures import MOVING
from soundloom_server.engine.planners.language import reads_as_english
from soundloom_server.engine.planners.lexicon import has_retro_cue, lemmas, tokens
from soundloom_server.engine.planners.matchers import CaptionMatcher, select_matcher
from soundloom_server.engine.planners.scene_words import (
    BED_WORDS,
    ENVIRONMENT_WORDS,
    INDOOR_WORDS,
    MAX_IMPLIED,
    MOOD_PACING,
    ONE_SHOT_WORDS,
    ONSET_PHRASES,
    PLACE_LAYERS,
    REPEAT_ADVERBS,
    SETTING_WORDS,
    SILENCE_WORDS,
)
from soundloom_server.engine.planners.story import (
    Reading,
    content_words,
    first_registered,
    is_setting,
    read_clause,
    split_heading,
)
from soundloom_server.engine.planners.timeline import (
    DEFAULT_SCENE_S,
    Draft,
    natural_length,
    place,
)
from soundloom_server.engine.renderers.procedural.recipes import get_recipe
from soundloom_server.engine.seeds import rng_for

__all__ = ["DEFAULT_SCENE_S", "RulesPlanner"]


class RulesPlanner:
    """Embedded planner: deterministic per (description, seed), no model weights.

    Captions find recipes through a matcher: `matcher` names one, else $SOUNDLOOM_MATCHER, else
    the embedded lexicon (which also stands in, with a warning, when the one asked for cannot run).
    """

    name = "rules"
    version = "2"
    lane = "cpu"

    def __init__(self, matcher: str | None = None) -> None:
        self.matcher = matcher

    def availability(self) -> Availability:
        """Always available: it needs nothing but this package."""
        return Availability(True)

    def plan(self, request: SceneRequest, seed: int = 0) -> ScenePlan:
        """Read the description into sources placed on a timeline; refuse one with none."""
        checked_request(request)
        matcher, note = select_matcher(self.matcher)
        reader = _Reader(matcher, [note] if note else [])
        if reads_as_english(request.description):
            reader.read(request.description)
        else:
            clauses = split_clauses(request.description)[0]
            reader.unmatched = [c.text for c in clauses] or [request.description[:200]]
            reader.foreign = True
        if not reader.drafts:
            raise InvalidArgument("events", reader.refusal())
        clauses_s = split_clauses(request.description)[1]
        duration_s = request.duration_s or clauses_s
        if not duration_s:
            duration_s = natural_length(reader.drafts) or DEFAULT_SCENE_S
        duration_s = float(min(max(duration_s, 0.1), MAX_SCENE_S))
        rng = rng_for(seed, "plan:" + request.description)
        events = place(reader.drafts, duration_s, rng, reader.pacing, reader.quiet)
        plan = ScenePlan(
            duration_s=duration_s,
            events=tuple(events[:MAX_EVENTS]),
            style=(request.style or reader.style())[:500],
            environment=request.environment or _environment(request.description),
            description=request.description[:4000],
            planner=self.name,
            warnings=tuple(w[:300] for w in reader.warnings[:32]),
            unmatched=tuple(dict.fromkeys(u[:200] for u in reader.unmatched))[:32],
        )
        return validate_plan(plan)


class _Reader:
    """Walks a description's clauses, keeping the sources found and what set the scene."""

    def __init__(self, matcher: CaptionMatcher, warnings: list[str]) -> None:
        self.matcher = matcher
        self.warnings = warnings
        self.drafts: list[Draft] = []
        self.setting: list[str] = []
        self.unmatched: list[str] = []
        self.quiet = False
        self.foreign = False  # not English: nothing was read
        self.pacing = ""
        self.retro = False
        self._groups = 0

    def read(self, description: str) -> None:
        """Heading first (style, beds, places), then every clause in narrative order."""
        heading, body = split_heading(description)
        clauses, _ = split_clauses(body)
        if heading:
            self.retro = has_retro_cue(heading)
            self._heading(heading)
        for clause in clauses:
            self._clause(clause)
            if len(self.drafts) >= 64:
                self.warnings.append(
                    "description names more than 64 sounds; the rest were left out"
                )
                break
        self._places(description)
        words = set(tokens(description))
        self.quiet = bool(words & SILENCE_WORDS)
        paces = [MOOD_PACING.get(w, "") for w in words]
        self.pacing = "fast" if "fast" in paces else "slow" if "slow" in paces else ""

    def style(self) -> str:
        """The scene's style: its heading, moods and setting clauses."""
        return "; ".join(dict.fromkeys(self.setting))

    def refusal(self) -> str:
        """Why no plan: the words that found nothing, or that nothing in it makes a sound."""
        if self.unmatched:
            words = "; ".join(dict.fromkeys(self.unmatched))
            why = "; the rules planner reads English" if self.foreign else ""
            return (
                "must hold a sound, but no recipe fits any sound in the description "
                f"(words that found nothing: {words}{why})"
            )
        return "must hold a sound, but the description names none and its setting implies none"

    def _heading(self, heading: str) -> None:
        """A heading is style; only the beds (and compound sources) it names become sound."""
        self.setting.append(heading)
        reading = read_clause(heading, self.matcher, self.retro)
        clause = Clause(heading, Relation.FIRST)
        parts = [p for p in reading.parts if _kind(p[0]) is EventKind.AMBIENCE or reading.compound]
        if parts and (reading.compound or (reading.match and reading.match.score >= 1.0)):
            self._add(clause, replace(reading, parts=parts), "", implied=True)

    def _clause(self, clause: Clause) -> None:
        reading = read_clause(clause.text, self.matcher, self.retro)
        previous = self._last_source()
        if reading.parts and previous and self._merge(clause, reading, previous):
            return
        if reading.parts:
            self._add(clause, reading, clause.text)
            self._surrounding(clause, reading)
        elif reading.repeat and previous:
            self._repeat(clause, previous)
        elif reading.gestures and reading.subjectless and previous:
            for draft in previous:
                _gesture(draft, reading.gestures)
        else:
            self._no_sound(clause, reading)

    def _no_sound(self, clause: Clause, reading: Reading) -> None:
        words = content_words(clause.text)
        if not words or is_setting(words, SETTING_WORDS):
            self.setting.append(clause.text)
            return
        found = [w for w in words if not is_setting([w], SETTING_WORDS)] or words
        self.unmatched.append(" ".join(found))
        self.warnings.append(
            f"{clause.text!r}: no recipe fits (words that found nothing: {', '.join(found)}); "
            "left out of the plan"
        )

    def _last_source(self) -> list[Draft]:
        """The drafts of the most recent source (one, or a group's parts)."""
        if not self.drafts:
            return []
        last = self.drafts[-1]
        if not last.group:
            return [last]
        return [d for d in self.drafts if d.group == last.group]

    def _merge(self, clause: Clause, reading: Reading, previous: list[Draft]) -> bool:
        """ "… with its siren wailing": a part of the source just named adds to it, not twice."""
        if reading.compound or len(reading.parts) != 1:
            return False
        owned = "its" in tokens(clause.text) or clause.relation is Relation.OVERLAP
        same = [d for d in previous if d.recipe == reading.parts[0][0]]
        if not same or not (owned or len(previous) > 1):
            return False
        for draft in same:
            draft.params.update(params_for(get_recipe(draft.recipe), clause.text))
            _gesture(draft, [g for g in reading.gestures if g not in MOVING])
        for draft in previous:
            _gesture(draft, [g for g in reading.gestures if g in MOVING])
        return True

    def _repeat(self, clause: Clause, previous: list[Draft]) -> None:
        """ "then another answers far away": the source again, as the words now describe it."""
        for draft in previous:
            params = dict(draft.params)
            params.update(params_for(get_recipe(draft.recipe), clause.text))
            if "distance" not in params and {"far", "distant", "away"} & set(lemmas(clause.text)):
                params["distance"] = 0.85
            self.drafts.append(replace(draft, clause=clause, params=params, recurs=False))

    def _same_bed(self, recipe: str, clause: Clause) -> Draft | None:
        """A bed of this recipe already planned, that a new mention should join, not double."""
        if clause.start_s is not None or clause.relation is Relation.SEQUENCE:
            return None
        return next(
            (
                d
                for d in self.drafts
                if d.recipe == recipe and d.kind is EventKind.AMBIENCE and not d.group
                and d.clause.start_s is None
            ),
            None,
        )  # fmt: skip

    def _join(self, bed: Draft, clause: Clause, reading: Reading) -> None:
        bed.params.update(params_for(get_recipe(bed.recipe), clause.text))
        bed.gestures += reading.gestures
        if bed.implied:
            bed.implied, bed.caption, bed.gain_db = False, clause.text[:500], 0.0

    def _add(self, clause: Clause, reading: Reading, caption: str, implied: bool = False) -> None:
        words = set(lemmas(clause.text)) | set(tokens(clause.text))
        text = " " + " ".join(tokens(clause.text)) + " "
        enters = clause.relation is not Relation.FIRST and any(
            f" {phrase} " in text for phrase in ONSET_PHRASES
        )
        group = ""
        if reading.compound or len(reading.parts) > 1:
            self._groups += 1
            group = f"{re.sub(r'[^a-z0-9]+', '-', reading.compound or 'source')}-{self._groups}"
        score = _score(reading)
        if reading.match is not None and score < WEAK_MATCH:
            self.warnings.append(
                f"{clause.text!r}: weak match for {reading.match.recipe.name!r} "
                f"(score {score:.2f}, from {', '.join(reading.match.matched) or 'nothing'})"
            )
        for recipe_name, extra in reading.parts:
            recipe = get_recipe(recipe_name)
            if recipe is None:
                continue
            kind = _kind_for(recipe.kind, words, reading.gestures)
            bed = self._same_bed(recipe_name, clause) if kind is EventKind.AMBIENCE else None
            if bed is not None and not group:
                self._join(bed, clause, reading)
                continue
            params = {**params_for(recipe, clause.text), **_resolved(recipe, extra)}
            part_caption = f"{caption} ({recipe_name.replace('_', ' ')})" if group else caption
            self.drafts.append(
                Draft(
                    clause=clause,
                    recipe=recipe_name,
                    kind=kind,
                    params=params,
                    duration_s=None if group and kind is EventKind.SFX else clause.duration_s,
                    repeat=bool(words & REPEAT_ADVERBS) and recipe.kind is EventKind.SFX,
                    group=group,
                    gestures=list(reading.gestures),
                    score=score,
                    caption=(part_caption or recipe.description)[:500],
                    implied=implied,
                    gain_db=-4.0 if implied else 0.0,
                    enters=enters,
                )
            )

    def _surrounding(self, clause: Clause, reading: Reading) -> None:
        """A closing "in the rain" names the bed around a one-shot."""
        found = _SURROUNDING.search(clause.text)
        if found is None:
            return
        phrase = found.group(1)
        match = self.matcher.match(phrase)
        if not match.confident or match.recipe.kind is not EventKind.AMBIENCE:
            return
        if any(d.recipe == match.recipe.name for d in self.drafts):
            return
        bed = Clause(phrase, Relation.LIST, sentence=clause.sentence)
        params = params_for(match.recipe, phrase)
        self.drafts.append(Draft(bed, match.recipe.name, EventKind.AMBIENCE, params, None))

    def _places(self, description: str) -> None:
        """The layers the places in the text imply, marked implied, quieter than named beds."""
        words = [*lemmas(description), *tokens(description)]
        indoors = bool(set(words) & INDOOR_WORDS)
        present = {d.recipe for d in self.drafts}
        layers: list[Draft] = []
        for word in dict.fromkeys(words):
            if word in ("night", "summer") and indoors:
                continue
            for alternatives, caption, params, gain in PLACE_LAYERS.get(word, ()):
                recipe = first_registered(alternatives)
                if recipe is None or recipe in present or len(layers) >= MAX_IMPLIED:
                    continue
                present.add(recipe)
                clause = Clause(caption, Relation.LIST)
                resolved = _resolved(get_recipe(recipe), params)
                kind = _kind(recipe) or EventKind.AMBIENCE
                layers.append(
                    Draft(clause, recipe, kind, resolved, None, implied=True, gain_db=gain)
                )
        self.drafts[:0] = layers


# "a door slams in the rain", "footsteps during a storm": the phrase names the bed around the sound.
_SURROUNDING = re.compile(
    r"\b(?:in|during|amid|amidst|under)\s+(?:the|a|an)\s+((?:\w+\s+)?\w+)\s*$", re.IGNORECASE
)


def _gesture(draft: Draft, gestures: list[str]) -> None:
    """Add gestures to a source; one that moves makes it a foreground event of its own."""
    draft.gestures += gestures
    if set(gestures) & MOVING and not draft.implied:
        draft.kind = EventKind.SFX


def _kind(recipe_name: str) -> EventKind | None:
    recipe = get_recipe(recipe_name)
    return recipe.kind if recipe else None


def _kind_for(kind: EventKind, words: set[str], gestures: list[str]) -> EventKind:
    """Beds turn one-shot for "a gust", one-shots bed for "constant"; a moving source is a
    foreground event of its own."""
    if set(gestures) & MOVING:
        return EventKind.SFX
    if kind is EventKind.AMBIENCE and words & ONE_SHOT_WORDS:
        return EventKind.SFX
    if kind is EventKind.SFX and words & BED_WORDS and not words & ONE_SHOT_WORDS:
        return EventKind.AMBIENCE
    return kind


def _resolved(recipe: object, params: dict[str, float | str]) -> dict[str, float | str]:
    specs = {p.name: p for p in getattr(recipe, "params", ())}
    return {k: specs[k].resolve(v) for k, v in params.items() if k in specs}


def _score(reading: Reading) -> float:
    """The match's strength as 0..1 (lexicon scores: 2 = a specific word; 1 = a shared one)."""
    if reading.match is None:
        return 1.0  # a source noun or a compound: named outright
    score = reading.match.score
    if reading.match.matched:  # lexicon
        return round(min(1.0, score / 2.0), 3)
    return round(min(1.0, max(score, 0.0)), 3)


def _environment(description: str) -> str:
    for word in (*lemmas(description), *tokens(description)):
        if word in ENVIRONMENT_WORDS:
            return ENVIRONMENT_WORDS[word]
    return "none"
