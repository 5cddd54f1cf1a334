"""Reading one clause as a sound designer would: head and modifiers, sources, parts, gestures.

"footsteps splashing in water": the head is the subject (footsteps), the verb and the phrases
after it are its parameters. A subject that names a source made of parts (a fire truck) reads as
those parts; verbs of motion and change (leaves, drives away, grows heavier) are gestures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soundloom_server.engine.planners.gestures import SELF_MOVING
from soundloom_server.engine.planners.lexicon import (
    STOPWORDS,
    RecipeMatch,
    has_retro_cue,
    lemma,
)
from soundloom_server.engine.planners.matchers import CaptionMatcher
from soundloom_server.engine.planners.scene_words import (
    COMPOUNDS,
    GESTURES,
    INDOOR_WORDS,
    MOOD_PACING,
    PLACE_LAYERS,
    REPEAT_WORDS,
    SILENCE_WORDS,
    SOUND_VERBS,
    SOURCE_NOUNS,
    WEATHER_ADJECTIVES,
)
from soundloom_server.engine.renderers.procedural.recipes import get_recipe

_UNICODE_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# A heading before the scene: "Mystery chase: …", "Horror game, level 2 - …".
_HEADING = re.compile(r"^\s*([^:.!?\n]{1,60}?)\s*(?::|\s[-–—]\s)\s*(?=\S)")
_GESTURE_KEYS = sorted(
    ((tuple(lemma(w) for w in phrase.split()), name) for phrase, name in GESTURES.items()),
    key=lambda item: -len(item[0]),
)
_COMPOUND_KEYS = sorted(
    ((tuple(lemma(w) for w in phrase.split()), phrase) for phrase in COMPOUNDS),
    key=lambda item: -len(item[0]),
)
_QUIET_WORDS = frozenset({"that", "which", "who", "slowly", "quickly", "gradually", "it", "its"})
WEAK_SCORE = 1.0  # a lexicon score below this is a weak match (match_score < 0.5)


def first_registered(alternatives: str) -> str | None:
    """The first recipe of "a|b" that exists, or None."""
    return next((n for n in alternatives.split("|") if get_recipe(n) is not None), None)


def split_heading(text: str) -> tuple[str, str]:
    """("Mystery chase", the rest) when the text opens with a short heading, else ("", text)."""
    found = _HEADING.match(text)
    if found is None or len(found.group(1).split()) > 6:
        return "", text
    return found.group(1).strip(), text[found.end() :]


def content_words(text: str) -> list[str]:
    """Lower-case words of any script, less the words that never name a sound."""
    return [w for w in _UNICODE_WORD.findall(text.lower()) if w not in STOPWORDS]


def is_setting(words: list[str], setting_words: frozenset[str]) -> bool:
    """True when every word only sets the scene (place, time, mood, silence, a number)."""
    known = setting_words | SILENCE_WORDS | INDOOR_WORDS | _QUIET_WORDS
    return all(
        w.isdigit() or w in known or lemma(w) in known or w in MOOD_PACING or w in PLACE_LAYERS
        for w in words
    )


def find_phrases(
    keys: list[str], table: list[tuple[tuple[str, ...], str]]
) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, value) of the table's phrases in `keys`, in text order."""
    taken: set[int] = set()
    found = []
    for phrase, value in table:
        n = len(phrase)
        for i in range(len(keys) - n + 1):
            span = set(range(i, i + n))
            if tuple(keys[i : i + n]) == phrase and not span & taken:
                taken |= span
                found.append((i, i + n, value))
    return sorted(found)


@dataclass
class Reading:
    """What one clause names: the parts of its source, its gestures, and how sure the match is."""

    parts: list[tuple[str, dict[str, float | str]]] = field(default_factory=list)
    compound: str = ""
    match: RecipeMatch | None = None
    gestures: list[str] = field(default_factory=list)
    subjectless: bool = False
    repeat: bool = False
    unmatched: list[str] = field(default_factory=list)


def _subject_split(keys: list[str]) -> int:
    """Index of the first verb after the subject (0 when the clause opens with a verb)."""
    for i, key in enumerate(keys):
        if key in SOUND_VERBS or (key.endswith("ing") and len(key) > 5):
            return i
    return len(keys)


def _match(text: str, matcher: CaptionMatcher, retro: bool) -> RecipeMatch | None:
    if not text.strip():
        return None
    found = matcher.match(f"{text} retro" if retro else text)
    return found if found.confident else None


def _head(words: list[str], keys: list[str], matcher: CaptionMatcher, retro: bool) -> Reading:
    """The head sound: the subject's when it names one, else the verb's, else a source noun."""
    split = _subject_split(keys)
    subject, predicate = " ".join(words[:split]), " ".join(words[split:])
    whole = _match(" ".join(words), matcher, retro)
    subject_match = _match(subject, matcher, retro) if split else None
    verb_match = _match(predicate, matcher, retro) if predicate else None
    noun = next((SOURCE_NOUNS[k] for k in keys[:split] if k in SOURCE_NOUNS), None)
    reading = Reading(subjectless=split == 0)
    best = max((m.score for m in (subject_match, verb_match) if m), default=0.0)
    if whole and whole.score > best + 0.75 and (subject_match or verb_match or noun):
        reading.match, reading.parts = whole, [(whole.recipe.name, {})]
        return reading  # a phrase across both: "cars passing", "a car horn honks"
    if subject_match and (verb_match is None or subject_match.score >= 0.6 * verb_match.score):
        reading.match = subject_match
    elif verb_match and (noun is None or verb_match.score >= 2.0):
        reading.match = verb_match
    elif noun and first_registered(noun):
        reading.parts = [(first_registered(noun) or "", {})]
        return reading
    else:
        reading.match = whole
    if reading.match is not None:
        reading.parts = [(reading.match.recipe.name, {})]
    return reading


def _compound(
    keys: list[str], split: int, head_at: int
) -> tuple[str, list[tuple[str, dict]]] | None:
    """A source made of parts named before the verb and no later than the head's own words."""
    for start, _, phrase in find_phrases(keys, _COMPOUND_KEYS):
        if start < max(split, 1) + 2 and start <= head_at:
            parts = [(first_registered(r), dict(p)) for r, p in COMPOUNDS[phrase]]
            return phrase, [(r, p) for r, p in parts if r]
    for key in keys[: max(split, 1)]:
        adjective = WEATHER_ADJECTIVES.get(key)
        if adjective in COMPOUNDS:
            return adjective, [(r, dict(p)) for r, p in COMPOUNDS[adjective] if get_recipe(r)]
        if adjective and get_recipe(adjective):
            return "", [(adjective, {})]
    return None


def read_clause(text: str, matcher: CaptionMatcher, retro: bool = False) -> Reading:
    """The clause's source (or parts), gestures and the words that found nothing."""
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())
    keys = [_verb_aware_lemma(words, i) for i in range(len(words))]
    gestures = find_phrases(keys, _GESTURE_KEYS)
    spans = {i for start, end, _ in gestures for i in range(start, end)}
    kept = [(w, k) for i, (w, k) in enumerate(zip(words, keys, strict=True)) if i not in spans]
    plain_words, plain_keys = [w for w, _ in kept], [k for _, k in kept]
    if not any(k not in STOPWORDS and k not in _QUIET_WORDS for k in plain_keys):
        plain_words, plain_keys = [], []
    reading = _head(plain_words, plain_keys, matcher, retro or has_retro_cue(text))
    if reading.match is None and gestures:
        moving = _match(" ".join(words), matcher, retro)  # "cars passing": pass_by itself
        if moving is not None and moving.recipe.name in SELF_MOVING:
            reading.match, reading.parts = moving, [(moving.recipe.name, {})]
    compound = _compound(keys, _subject_split(keys), _head_position(keys, reading))
    if compound is not None:
        reading.compound, reading.parts = compound[0], compound[1]
    reading.gestures = [name for _, _, name in gestures]
    if len(reading.parts) == 1 and SELF_MOVING.get(reading.parts[0][0]) in reading.gestures:
        reading.gestures.remove(SELF_MOVING[reading.parts[0][0]])  # the recipe passes by itself
    reading.subjectless = reading.subjectless or not plain_keys
    reading.repeat = bool(set(keys) & REPEAT_WORDS) and not reading.parts
    if not reading.parts and not reading.repeat:
        reading.unmatched = content_words(text)
    return reading


def _verb_aware_lemma(words: list[str], i: int) -> str:
    """A lemma, except "leaves" after a subject and before an object or the end is the verb
    ("the truck leaves the station"), not foliage ("the leaves rustle")."""
    word = words[i]
    if word == "leaves" and i > 0 and words[i - 1] not in _DETERMINERS:
        following = words[i + 1] if i + 1 < len(words) else ""
        if following in ("", *_DETERMINERS):
            return "leave"
    return lemma(word)


_DETERMINERS = ("the", "a", "an", "its", "his", "her", "their", "our", "my", "your", "dry")


def _stem(word: str) -> str:
    """The lexicon's matching key for a lemma: less a final -e ("chime", "chiming")."""
    return word[:-1] if len(word) > 4 and word.endswith("e") and not word.endswith("ee") else word


def _head_position(keys: list[str], reading: Reading) -> int:
    """Where the head's matched words begin in the clause (a large number when none)."""
    if reading.match is None or not reading.match.matched:
        return len(keys) + 99
    stems = [_stem(k) for k in keys]
    firsts = {phrase.split()[0] for phrase in reading.match.matched}
    return next((i for i, stem in enumerate(stems) if stem in firsts), len(keys) + 99)
