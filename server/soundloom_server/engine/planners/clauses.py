"""Reading a description: clauses, how each relates to the one before, and the durations in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "half a": 0.5,
    "a half": 0.5,
}
_NUMBER = (
    r"(\d+(?:\.\d+)?|"
    + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
    + r")"
)
_UNIT = r"(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b"
_QUANTITY = re.compile(_NUMBER + r"\s*-?\s*" + _UNIT, re.IGNORECASE)
_TOTAL = re.compile(
    r"\b(?:total|overall|whole|full|entire)\s+(?:scene\s+)?(?:duration|length|runtime|time)\s*"
    r"(?:is|of|=|:|should be|will be)?\s*(?:about|around|roughly|approximately|~)?\s*"
    + _NUMBER
    + r"\s*-?\s*"
    + _UNIT,
    re.IGNORECASE,
)
_FOR = re.compile(
    r"\b(?:for|lasting|lasts|over|during)\s+(?:about|around|roughly|approximately|~)?\s*"
    + _NUMBER
    + r"\s*-?\s*"
    + _UNIT,
    re.IGNORECASE,
)
_AT = re.compile(
    r"\b(at|after|from)\s+(?:about|around)?\s*"
    + _NUMBER
    + r"\s*-?\s*"
    + _UNIT
    + r"(?:\s+(?:in|mark|into the scene))?",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:and|then|also|but|so|now|with|plus|suddenly|later|finally|next|meanwhile|while|as|"
    r"afterwards?|after that|followed by|soon|eventually|there is|there are|there's|we hear|"
    r"you hear|hear|the sound of|sounds? of|a|an|the|some)\b\s*",
    re.IGNORECASE,
)
# A decimal point or "e.g." must not end a sentence.
_SENTENCE = re.compile(r"(?<!\d)[.!?;:]+(?!\d)|\n+|(?<=\d)\.(?!\d)")
_CONNECTIVE = re.compile(
    r"\s*(,|\band then\b|\bthen\b|\bafter that\b|\bafterwards?\b|\bfinally\b|\bfollowed by\b|"
    r"\blater\b|\bnext\b|\bmeanwhile\b|\bwhile\b|\bas well as\b|\bas\b|\bwhilst\b|\band\b|"
    r"\bbefore\b|\bbut\b|\bwith\b|\bplus\b|\bthen\b)\s*",
    re.IGNORECASE,
)
_SEQUENCE_WORDS = frozenset(
    {
        "then",
        "and then",
        "after that",
        "afterwards",
        "afterward",
        "finally",
        "followed by",
        "later",
        "next",
        "before",
    }
)
_OVERLAP_WORDS = frozenset({"while", "whilst", "as", "meanwhile", "with"})


class Relation(StrEnum):
    """How a clause's event relates in time to the event before it."""

    FIRST = "first"
    LIST = "list"  # ", " / "and": the next item, in narrative order
    SEQUENCE = "sequence"  # then / after that / finally: strictly after
    OVERLAP = "overlap"  # while / as / with: at the same time


@dataclass(frozen=True)
class Clause:
    """One described sound (or setting) with its relation and any times it states."""

    text: str
    relation: Relation
    duration_s: float | None = None
    start_s: float | None = None
    sentence: int = 0


def _seconds(number: str, unit: str) -> float:
    value = _NUMBER_WORDS.get(number.lower())
    amount = float(value) if value is not None else float(number)
    unit = unit.lower()
    if unit.startswith("ms") or unit.startswith("milli"):
        return amount / 1000.0
    if unit in ("m", "min", "mins", "minute", "minutes"):
        return amount * 60.0
    if unit.startswith("h"):
        return amount * 3600.0
    return amount


def total_duration(text: str) -> float | None:
    """A scene length stated as such ("The total duration is 35.1 seconds."), or None."""
    match = _TOTAL.search(text)
    return _seconds(match.group(1), match.group(2)) if match else None


def _strip_filler(text: str) -> str:
    previous = None
    text = text.strip(" \t-–—'\"()[]")
    while previous != text:
        previous = text
        text = _FILLER.sub("", text).strip(" \t-–—'\"()[]")
    return text


def _relation_for(connective: str) -> Relation:
    word = connective.strip().lower()
    if word in _SEQUENCE_WORDS:
        return Relation.SEQUENCE
    if word in _OVERLAP_WORDS:
        return Relation.OVERLAP
    return Relation.LIST


def split_clauses(text: str) -> tuple[list[Clause], float | None]:
    """The description's clauses in narrative order, and a scene length stated in it (or None)."""
    scene_s = total_duration(text)
    text = _TOTAL.sub(" ", text)
    clauses: list[Clause] = []
    for index, sentence in enumerate(s for s in _SENTENCE.split(text) if s and s.strip()):
        parts = _CONNECTIVE.split(sentence)
        pending = ""  # the strongest connective seen since the last clause
        for position, part in enumerate(parts):
            if position % 2 == 1:
                word = part.strip().lower()
                if not pending or pending in (",", "and") or word in _SEQUENCE_WORDS:
                    pending = word
                continue
            clause = _read_clause(part, pending, index)
            if clause is None:
                continue
            if clause.text:
                relation = Relation.FIRST if not clauses else clause.relation
                clauses.append(
                    Clause(clause.text, relation, clause.duration_s, clause.start_s, index)
                )
                pending = ""
            elif clause.duration_s is not None and scene_s is None:
                scene_s = clause.duration_s  # a bare "45 seconds" names the scene's length
    return clauses, scene_s


def _read_clause(piece: str, connective: str, index: int) -> Clause | None:
    raw = piece.strip()
    if not raw:
        return None
    start_s = duration_s = None
    at = _AT.search(raw)
    if at:
        start_s = _seconds(at.group(2), at.group(3))
        raw = raw[: at.start()] + " " + raw[at.end() :]
    lasting = _FOR.search(raw)
    if lasting:
        duration_s = _seconds(lasting.group(1), lasting.group(2))
        raw = raw[: lasting.start()] + " " + raw[lasting.end() :]
    bare = _QUANTITY.fullmatch(_strip_filler(raw).removesuffix(" long").strip())
    if bare:
        return Clause("", Relation.LIST, _seconds(bare.group(1), bare.group(2)), None, index)
    quantity = _QUANTITY.search(raw)
    if quantity and duration_s is None and re.search(r"-\s*" + _UNIT, quantity.group(0)):
        duration_s = _seconds(quantity.group(1), quantity.group(2))  # "a 5-second creak"
        raw = raw[: quantity.start()] + " " + raw[quantity.end() :]
    text = _strip_filler(re.sub(r"\s+", " ", raw))
    return Clause(text, _relation_for(connective), duration_s, start_s, index)
