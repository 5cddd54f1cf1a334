"""Caption -> recipe matching from words: lemmas, tags and multi-word phrases, negation-safe.

The lexicon is the recipes' own metadata (name and tags), so a new recipe file is matchable with
no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NEGATORS = frozenset({"no", "not", "without", "never", "none", "nor", "isn't", "aren't", "don't"})
# Words that end a negation's reach ("no rain but thunder").
_NEGATION_STOP = frozenset({"but", "and", "then", "while", "with", "yet", "except"})
_IRREGULAR = {
    "feet": "foot",
    "leaves": "leaf",
    "wolves": "wolf",
    "knives": "knife",
    "geese": "goose",
    "mice": "mouse",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "teeth": "tooth",
    "slammed": "slam",
    "slamming": "slam",
    "running": "run",
    "ran": "run",
    "rang": "ring",
    "rung": "ring",
    "blew": "blow",
    "blown": "blow",
    "struck": "strike",
    "fell": "fall",
    "fallen": "fall",
    "shut": "shut",
    "this": "this",
    "glass": "glass",
    "grass": "grass",
    "gas": "gas",
    "bus": "bus",
    "chess": "chess",
    "moss": "moss",
    "boss": "boss",
    "press": "press",
    "hiss": "hiss",
    "hisses": "hiss",
    "his": "his",
    "was": "was",
    "is": "is",
    "always": "always",
    "news": "news",
    "rustles": "rustle",
    "rustling": "rustle",
    "crackling": "crackle",
    "crackles": "crackle",
    "babbling": "babble",
    "babbles": "babble",
    "trickling": "trickle",
    "trickles": "trickle",
    "chirping": "chirp",
    "chirrup": "chirp",
    "creaky": "creak",
    "creaking": "creak",
    "walking": "walk",
    "thunderous": "thunder",
}


def lemma(word: str) -> str:
    """A light English lemma: irregulars, then -ies/-es/-s, -ing, -ed."""
    word = word.lower().strip("'")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]  # slamming -> slam
        return stem
    if word.endswith("ed") and len(word) > 4:
        stem = word[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]
        return stem
    return word


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of `text`."""
    return _WORD.findall(text.lower())


def lemmas(text: str) -> list[str]:
    """Lemmas of `text`'s words, with negated words replaced by '' (so they never match)."""
    out: list[str] = []
    negated = 0
    for word in tokens(text):
        if word in NEGATORS:
            negated = 3  # a negation reaches a few words: "no heavy rain"
            out.append("")
            continue
        if word in _NEGATION_STOP:
            negated = 0
        out.append("" if negated > 0 else lemma(word))
        negated = max(0, negated - 1)
    return out


@dataclass(frozen=True)
class RecipeMatch:
    """The best recipe for a caption, how strongly it matched, and the words that matched."""

    recipe: Recipe
    score: float
    matched: tuple[str, ...]

    @property
    def confident(self) -> bool:
        """True when at least one tag or phrase matched the caption's words."""
        return self.score > 0.0


@lru_cache(maxsize=1)
def _phrase_index() -> tuple[tuple[tuple[str, ...], str, float], ...]:
    entries: list[tuple[tuple[str, ...], str, float]] = []
    for recipe in all_recipes():
        phrases = {recipe.name.replace("_", " "), *recipe.tags}
        for phrase in phrases:
            words = tuple(lemma(w) for w in tokens(phrase))
            if words:
                # Longer phrases are stronger evidence; the recipe's own name a little more so.
                weight = float(len(words)) + (
                    0.5 if phrase == recipe.name.replace("_", " ") else 0.0
                )
                entries.append((words, recipe.name, weight))
    return tuple(entries)


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


def score_recipes(caption: str) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Every recipe's lexicon score for the caption (only those with a match)."""
    words = lemmas(caption)
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}
    for phrase, name, weight in _phrase_index():
        if _contains(words, phrase):
            score, matched = scores.get(name, (0.0, ()))
            scores[name] = (score + weight, (*matched, " ".join(phrase)))
    return scores


def match_recipe(caption: str) -> RecipeMatch:
    """The recipe whose tags best match the caption; the nearest by spelling when none match."""
    recipes = {r.name: r for r in all_recipes()}
    scores = score_recipes(caption)
    if scores:
        # Ties go to the recipe whose matched words come last: English puts the head noun last
        # ("a wooden door" -> door, not wood).
        name = max(scores, key=lambda n: (scores[n][0], _last_position(caption, scores[n][1])))
        return RecipeMatch(recipes[name], scores[name][0], scores[name][1])
    return RecipeMatch(recipes[nearest_by_spelling(caption)], 0.0, ())


def _last_position(caption: str, matched: tuple[str, ...]) -> int:
    words = lemmas(caption)
    positions = [i for i, w in enumerate(words) for m in matched if w == m.split()[-1]]
    return max(positions, default=-1)


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def nearest_by_spelling(caption: str) -> str:
    """The recipe whose tags share the most letter trigrams with the caption's words."""
    caption_grams = [_trigrams(w) for w in lemmas(caption) if len(w) > 2]
    best_name, best_score = all_recipes()[0].name, -1.0
    for recipe in all_recipes():
        for tag in (recipe.name, *recipe.tags):
            tag_grams = _trigrams(lemma(tag.replace(" ", "")))
            for grams in caption_grams:
                score = len(grams & tag_grams) / len(grams | tag_grams)
                if score > best_score:
                    best_name, best_score = recipe.name, score
    return best_name
