"""Recipe render speed and caption matching accuracy.

Renders every recipe on one core through the procedural renderer (48 kHz stereo): beds for 60 s,
one-shots at their typical duration. Prints ms of CPU per audio second and the real-time factor,
flagging any recipe under 50x. Then prints the matchers' top-1 accuracy on tests/data/captions.tsv
(the embedding matcher only where the `neural` extra is installed).
`python bench/recipes.py --smoke` is the quick CI variant (very short renders, once).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from soundloom_server.engine.plan import Event, EventKind
from soundloom_server.engine.planners.matcher_eval import evaluate, read_captions
from soundloom_server.engine.planners.matchers import (
    get_matcher,
    matcher_availability,
    matcher_names,
)
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.procedural import ProceduralRenderer
from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

MIN_RTF = 50.0
CAPTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "captions.tsv"


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def bench_recipe(recipe: Recipe, seconds: float, repeats: int, sample_rate: int = 48000) -> float:
    """Best-of-`repeats` wall seconds to render `seconds` of the recipe with default params."""
    renderer = ProceduralRenderer()
    event = Event(
        id=recipe.name.replace("_", "-"),
        kind=recipe.kind,
        caption=recipe.name,
        recipe=recipe.name,
        start_s=0.0,
        duration_s=seconds,
        loop=recipe.kind is EventKind.AMBIENCE,
    )
    best = float("inf")
    for seed in range(repeats):
        ctx = RenderContext(sample_rate=sample_rate, seed=seed)
        start = time.perf_counter()
        renderer.render(event, ctx)
        best = min(best, time.perf_counter() - start)
    return best


def bench_recipes(
    bed_s: float, one_shot_cap_s: float | None, repeats: int, flag_slow: bool = True
) -> tuple[list[str], list[str]]:
    """Print one line per recipe; return the names slower than MIN_RTF and those that failed."""
    print(f"{'recipe':<18} {'family':<10} {'kind':<9} {'audio s':>8} {'ms/audio s':>11} {'RTF':>8}")
    slow: list[str] = []
    failed: list[str] = []
    for recipe in all_recipes():
        bed = recipe.kind is EventKind.AMBIENCE
        seconds = bed_s if bed else recipe.typical_duration_s
        if one_shot_cap_s is not None:
            seconds = min(seconds, one_shot_cap_s)
        try:
            wall = bench_recipe(recipe, seconds, repeats)
        except Exception as exc:  # one broken recipe must not hide the others' numbers
            failed.append(recipe.name)
            print(f"{recipe.name:<18} {recipe.family:<10} FAILED at {seconds:g} s: {exc!r}")
            continue
        rtf = seconds / wall if wall > 0 else float("inf")
        flag = "  SLOW (< 50x)" if flag_slow and rtf < MIN_RTF else ""
        if flag:
            slow.append(recipe.name)
        print(
            f"{recipe.name:<18} {recipe.family:<10} {recipe.kind.value:<9} {seconds:>8.2f} "
            f"{1000.0 * wall / seconds:>11.2f} {rtf:>7.0f}x{flag}"
        )
        sys.stdout.flush()
    return slow, failed


def bench_matching(captions: Path) -> None:
    """Print each matcher's top-1 accuracy on the caption set, or why it cannot run."""
    rows = read_captions(captions)
    for name in matcher_names():
        reason = matcher_availability(name)
        if reason:
            print(f"{name:<10} unavailable: {reason}")
            continue
        start = time.perf_counter()
        result = evaluate(get_matcher(name), rows)
        print(
            f"{name:<10} top-1 {result.accuracy * 100:5.1f}%  ({result.correct}/{result.evaluated}"
            f" captions, {result.skipped} skipped: recipe not registered)  "
            f"{time.perf_counter() - start:.1f} s"
        )


def main() -> int:
    """Run the recipe benchmark and the matching evaluation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="very short renders, once (CI)")
    parser.add_argument("--seconds", type=float, default=60.0, help="bed length, seconds")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many renders")
    parser.add_argument("--captions", type=Path, default=CAPTIONS, help="caption TSV file")
    parser.add_argument("--no-matching", action="store_true", help="skip the accuracy report")
    args = parser.parse_args()
    # Smoke renders are too short to time fairly (filter set-up dominates), so no flags there.
    bed_s, cap, repeats = (1.0, 1.0, 1) if args.smoke else (args.seconds, None, args.repeats)
    _pin_one_core()
    print(f"# soundloom bench/recipes.py  (1 core, 48 kHz stereo, best of {repeats})")
    slow, failed = bench_recipes(bed_s, cap, repeats, flag_slow=not args.smoke)
    if not args.smoke:
        print(f"# {len(slow)} recipe(s) under {MIN_RTF:.0f}x real time: {', '.join(slow) or '-'}")
    if failed:
        print(f"# {len(failed)} recipe(s) failed to render: {', '.join(failed)}")
    if not args.no_matching:
        print("# caption -> recipe top-1 accuracy")
        bench_matching(args.captions)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
