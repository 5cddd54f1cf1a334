"""Caption -> recipe matching from words: lemmas, tags and multi-word phrases, negation-safe.

The lexicon is the recipes' own metadata (name and tags) plus a planner-side synonym table for
the words people use that recipe tags leave out. A new recipe file is matchable with no change
here; a synonym entry for a recipe that is not registered is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from soundloom_server.engine.planners.lexicon_words import (
    IRREGULAR,
    KEYWORDS,
    PLACE_WORDS,
    RETRO_CUES,
    STOPWORDS,
    SYNONYMS,
)
from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words and the punctuation that ends a negation's reach ("no rain, birds singing").
_WORD_OR_STOP = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,.;:!?()]")
NEGATORS = frozenset({"no", "not", "without", "never", "none", "nor", "isn't", "aren't", "don't"})
# Words that end a negation's reach ("no rain but thunder").
_NEGATION_STOP = frozenset({"but", "and", "then", "while", "with", "yet", "except"})


def lemma(word: str) -> str:
    """A light English lemma: irregulars, then -ies/-es/-s, -ing, -ed."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]  # possessive: "the wizard's hand"
    if word in IRREGULAR:
        return IRREGULAR[word]
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
    for word in _WORD_OR_STOP.findall(text.lower()):
        if not word[0].isalnum():
            negated = 0
            continue
        if word in NEGATORS:
            negated = 3  # a negation reaches a few words: "no heavy rain"
            out.append("")
            continue
        if word in _NEGATION_STOP:
            negated = 0
        out.append("" if negated > 0 else lemma(word))
        negated = max(0, negated - 1)
    return out


KEYWORD_WEIGHT = 2.0

PLACE_WEIGHT = 0.4
# A phrase found with a word inside it ("hits the wooden floor") is a little weaker evidence.
GAPPED_WEIGHT = 0.75
NAME_BONUS = 0.5

RETRO_PENALTY = 0.75


def _stem(word: str) -> str:
    """A matching key: the lemma less a final -e, so "chime" and "chiming" meet."""
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):
        return word[:-1]
    return word


def match_keys(text: str) -> list[str]:
    """Stems of the caption's content words; negated words are '' (they match nothing)."""
    return [_stem(w) for w in lemmas(text) if w not in STOPWORDS]


def _phrase_keys(phrase: str) -> tuple[str, ...]:
    return tuple(k for k in match_keys(phrase) if k)


_PLACE_KEYS = frozenset(_stem(lemma(word)) for word in PLACE_WORDS)


@dataclass(frozen=True)
class RecipeMatch:
    """The best recipe for a caption, how strongly it matched, and the words that matched."""

    recipe: Recipe
    score: float
    matched: tuple[str, ...]
    confident: bool = False


@dataclass(frozen=True)
class _Entry:
    """One phrase that names a recipe, with its weight before sharing between recipes."""

    words: tuple[str, ...]
    recipe: str
    weight: float
    name: bool
    keyword: bool = False


@lru_cache(maxsize=1)
def _phrase_index() -> tuple[_Entry, ...]:
    registered = {r.name: r for r in all_recipes()}
    best: dict[tuple[tuple[str, ...], str], _Entry] = {}

    def add(
        phrase: str, recipe: str, weight: float, name: bool = False, keyword: bool = False
    ) -> None:
        words = _phrase_keys(phrase)
        if not words or recipe not in registered:
            return
        if len(words) == 1 and words[0] in _PLACE_KEYS and not name:
            weight = min(weight, PLACE_WEIGHT)
        old = best.get((words, recipe))
        if old is not None:  # the same phrase from two sources: keep the strongest reading
            weight, name, keyword = (
                max(weight, old.weight),
                name or old.name,
                keyword or old.keyword,
            )
        best[(words, recipe)] = _Entry(words, recipe, weight, name, keyword)

    for recipe in registered.values():
        for tag in recipe.tags:
            add(tag, recipe.name, float(len(_phrase_keys(tag))))
        name_phrase = recipe.name.replace("_", " ")
        add(name_phrase, recipe.name, float(len(_phrase_keys(name_phrase))), name=True)
    for recipe_name, phrases in SYNONYMS.items():
        for phrase in phrases:
            add(phrase, recipe_name, float(len(_phrase_keys(phrase))))
    for recipe_name, phrases in KEYWORDS.items():
        for phrase in phrases:
            add(phrase, recipe_name, KEYWORD_WEIGHT * len(_phrase_keys(phrase)), keyword=True)
    return tuple(best.values())


@lru_cache(maxsize=1)
def _sharing() -> dict[tuple[str, ...], int]:
    """How many recipes each phrase names: a phrase shared by n recipes counts 1/n to each."""
    counts: dict[tuple[str, ...], int] = {}
    for entry in _phrase_index():
        counts[entry.words] = counts.get(entry.words, 0) + 1
    return counts


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


def _contains_gapped(haystack: list[str], needle: tuple[str, ...]) -> bool:
    """The phrase's words in order with at most one word between each ("hits the wooden
    floor" holds "hit floor"); a negated word ('') breaks the phrase."""
    for start, word in enumerate(haystack):
        if word != needle[0]:
            continue
        at = start
        for part in needle[1:]:
            window = haystack[at + 1 : at + 3]
            if part in window and "" not in window[: window.index(part)]:
                at += 1 + window.index(part)
            else:
                break
        else:
            return True
    return False


def _is_retro(recipe: Recipe) -> bool:
    return recipe.name.startswith("retro_") or recipe.family == "retro"


def has_retro_cue(caption: str) -> bool:
    """True when the caption asks for a retro / 8-bit game sound."""
    keys = match_keys(caption)
    return any(_contains(keys, _phrase_keys(cue)) for cue in RETRO_CUES)


def score_recipes(caption: str) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Every recipe's lexicon score for the caption (only those with a match)."""
    keys = match_keys(caption)
    sharing = _sharing()
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}
    for entry in _phrase_index():
        # A keyword is curated as specific to its recipe, so other recipes' tags do not dilute it.
        share = 1 if entry.keyword else sharing[entry.words]
        if _contains(keys, entry.words):
            gain = entry.weight / share + (NAME_BONUS if entry.name else 0.0)
        elif len(entry.words) > 1 and _contains_gapped(keys, entry.words):
            gain = GAPPED_WEIGHT * entry.weight / share
        else:
            continue
        score, matched = scores.get(entry.recipe, (0.0, ()))
        phrase = " ".join(entry.words)
        if phrase not in matched:
            scores[entry.recipe] = (score + gain, (*matched, phrase))
    return scores


def _styled(scores: dict[str, tuple[float, tuple[str, ...]]], caption: str) -> dict[str, float]:
    """Scores with the retro cue applied: retro recipes only with it, discounted without."""
    recipes = {r.name: r for r in all_recipes()}
    retro = {name for name in scores if _is_retro(recipes[name])}
    if has_retro_cue(caption) and retro:
        return {name: scores[name][0] for name in retro}
    return {
        name: score * (RETRO_PENALTY if name in retro else 1.0)
        for name, (score, _) in scores.items()
    }


def match_recipe(caption: str) -> RecipeMatch:
    """The recipe whose tags best match the caption; the nearest by spelling when none match."""
    recipes = {r.name: r for r in all_recipes()}
    scores = score_recipes(caption)
    if scores:
        styled = _styled(scores, caption)
        keys = match_keys(caption)
        # Ties go to the recipe whose matched words come last: English puts the head noun last
        # ("a wooden door" -> door, not wood).
        name = max(styled, key=lambda n: (round(styled[n], 6), _last_position(keys, scores[n][1])))
        return RecipeMatch(recipes[name], styled[name], scores[name][1], confident=True)
    return RecipeMatch(recipes[nearest_by_spelling(caption)], 0.0, (), confident=False)


def _last_position(keys: list[str], matched: tuple[str, ...]) -> int:
    heads = {m.split()[-1] for m in matched}
    return max((i for i, key in enumerate(keys) if key in heads), default=-1)


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
