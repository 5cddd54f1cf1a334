"""Top-1 accuracy of the caption -> recipe matchers over a labelled caption file.

python -m soundloom_server.engine.planners.matcher_eval --eval tests/data/captions.tsv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from soundloom_server.engine.planners.matchers import (
    CaptionMatcher,
    get_matcher,
    matcher_availability,
    matcher_names,
)
from soundloom_server.engine.renderers.procedural.recipes import all_recipes


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
