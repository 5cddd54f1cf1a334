"""Whether a description is English, the only language the rules planner reads.

A French or Japanese description otherwise finds recipes through the odd word that happens to
be English ("un chat miaule" -> "chat" -> crowd murmur). A description of four words or more
that holds none of English's function words, and whose words the recipe lexicon mostly does
not know, is read as another language: all of it goes to `unmatched` and nothing is rendered.
"""

from __future__ import annotations

from soundloom_server.engine.planners.lexicon import score_recipes, tokens
from soundloom_server.engine.planners.scene_words import MOOD_PACING, PLACE_LAYERS, SETTING_WORDS

FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "with", "from", "by",
    "for", "into", "onto", "over", "under", "near", "behind", "then", "while", "as", "after",
    "before", "until", "when", "finally", "is", "are", "was", "were", "be", "it", "its", "his",
    "her", "their", "our", "my", "your", "this", "that", "these", "those", "some", "each",
    "every", "all", "no", "not", "up", "down", "out", "off", "away", "through", "across",
    "along", "around", "far", "distant", "there", "here", "one", "two",
})  # fmt: skip
# Lengths and numbers say nothing about the language ("forest birds, 5 seconds").
UNIT_WORDS = frozenset(
    {"ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h"}
)
MIN_WORDS = 4
KNOWN_SHARE = 0.5


def reads_as_english(description: str) -> bool:
    """False when the text looks like another language (see the module docstring)."""
    words = [w for w in tokens(description) if w.isalpha() and w not in UNIT_WORDS]
    if len(words) < MIN_WORDS or any(w in FUNCTION_WORDS for w in words):
        return True
    known = sum(1 for w in words if _known(w))
    return known / len(words) >= KNOWN_SHARE


def _known(word: str) -> bool:
    scene = word in MOOD_PACING or word in PLACE_LAYERS or word in SETTING_WORDS
    return scene or bool(score_recipes(word))
