"""Scoring a planner against scene descriptions with the plans a sound designer expects.

Each line of a scenes file (JSON Lines, '#' comments) holds a description and what its plan must
show; see tests/data/scenes.jsonl for the keys. Every criterion is judged from the plan alone:

    python -m soundloom_server.engine.planners.evaluate tests/data/scenes.jsonl [--misses]
        [--planner llm --llm MODEL.gguf] [--limit N]

`--limit N` scores the first N scenes of each file (a real LLM on a CPU takes minutes a plan).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import Event, EventKind, ScenePlan, SceneRequest
from soundloom_server.engine.registry import get_planner
from soundloom_server.engine.renderers.procedural.recipes import get_recipe

DEAD_SHARE = 0.25  # the longest stretch with nothing happening, as a share of the scene
LONG_SCENE_S = 20.0  # shorter scenes are not judged for dead stretches
TREND = 0.1  # how far a curve must move to count as rising or falling

CRITERIA = (
    "sounds",
    "order",
    "no title event",
    "no extra sound",
    "no duplicates",
    "automation",
    "recurrence",
    "groups",
    "implied",
    "length",
    "unmatched",
    "refused",
    "no dead stretch",
    "no silent stretch",
)


@dataclass
class Scene:
    """One description and what its plan must show."""

    text: str
    expect: dict[str, Any]

    @property
    def duration(self) -> float:
        """The length asked for with the request (0 = from the text)."""
        return float(self.expect.get("duration", 0.0))


@dataclass
class Judgement:
    """Per criterion: True (met), False (missed) or absent (does not apply); misses in words."""

    results: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def judge(self, name: str, ok: bool, why: str = "") -> None:
        """Record one criterion."""
        self.results[name] = ok
        if not ok:
            self.notes.append(f"{name}: {why}" if why else name)


def read_scenes(path: Path) -> list[Scene]:
    """Scenes from a JSON Lines file; '#' lines and blank lines are skipped."""
    scenes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            data = json.loads(line)
            scenes.append(Scene(data.pop("text"), data))
    return scenes


def _registered(alternatives: str) -> list[str]:
    return [name for name in alternatives.split("|") if get_recipe(name) is not None]


def _with(plan: ScenePlan, alternatives: str) -> list[Event]:
    names = set(alternatives.split("|"))
    return sorted((e for e in plan.events if e.recipe in names), key=lambda e: e.start_s)


def _first_start(plan: ScenePlan, alternatives: str) -> float | None:
    found = _with(plan, alternatives)
    return found[0].start_s if found else None


def _check_sounds(scene: Scene, plan: ScenePlan, j: Judgement) -> None:
    sounds = [s for s in scene.expect.get("sounds", []) if _registered(s)]
    missing = [s for s in sounds if not _with(plan, s)]
    j.judge("sounds", not missing, f"missing {missing}, got {[e.recipe for e in plan.events]}")
    order = scene.expect.get("order")
    if order is None:
        order = [s for s in sounds if get_recipe(_registered(s)[0]).kind is EventKind.SFX]
    starts = [(s, _first_start(plan, s)) for s in order if _registered(s)]
    starts = [(s, t) for s, t in starts if t is not None]
    if len(starts) >= 2:
        ok = all(a[1] <= b[1] + 1e-6 for a, b in pairwise(starts))
        j.judge("order", ok, f"first starts {starts}")


def _check_extras(scene: Scene, plan: ScenePlan, j: Judgement) -> None:
    title = str(scene.expect.get("title", "")).lower()
    banned = set(scene.expect.get("not", []))
    bad = [
        e.caption
        for e in plan.events
        if (title and title in e.caption.lower()) or e.recipe in banned
    ]
    j.judge("no title event", not bad, f"events from the title or banned: {bad}")
    allowed = {
        name
        for key in ("sounds", "allow", "implied")
        for alternatives in scene.expect.get(key, [])
        for name in alternatives.split("|")
    }
    extra = sorted({e.recipe for e in plan.events if not e.implied and e.recipe not in allowed})
    j.judge("no extra sound", not extra, f"not described: {extra}")


def _overlap(a: Event, b: Event) -> bool:
    return a.start_s < b.end_s - 1e-6 and b.start_s < a.end_s - 1e-6


def _check_duplicates(plan: ScenePlan, j: Judgement) -> None:
    beds = [e for e in plan.events if e.kind is EventKind.AMBIENCE]
    twins = [
        (a.id, b.id)
        for i, a in enumerate(beds)
        for b in beds[i + 1 :]
        if a.recipe == b.recipe and _overlap(a, b)
    ]
    same = [
        (a.id, b.id)
        for i, a in enumerate(plan.events)
        for b in plan.events[i + 1 :]
        if a.recipe == b.recipe and abs(a.start_s - b.start_s) < 1e-3
    ]
    j.judge("no duplicates", not twins and not same, f"{twins + same}")


def _trend(values: list[float], direction: str) -> bool:
    if len(values) < 2:
        return False
    change = values[-1] - values[0]
    return change > TREND if direction == "up" else change < -TREND


def _check_automation(scene: Scene, plan: ScenePlan, j: Judgement) -> None:
    failed = []
    for alternatives, curve, direction in scene.expect.get("moves", []):
        if not _registered(alternatives):
            continue
        events = _with(plan, alternatives)
        values = [[p.value for p in getattr(e.automation, curve)] for e in events]
        if not any(_trend(v, direction) for v in values):
            failed.append(f"{alternatives} {curve} not {direction}: {values}")
    for alternatives, param, direction in scene.expect.get("across", []):
        events = _with(plan, alternatives)
        values = [float(e.params.get(param, 0.3)) for e in events]
        if not _trend(values, direction):
            failed.append(f"{alternatives} {param} across not {direction}: {values}")
    if scene.expect.get("moves") or scene.expect.get("across"):
        j.judge("automation", not failed, "; ".join(failed))


def _check_structure(scene: Scene, plan: ScenePlan, j: Judgement) -> None:
    recur = scene.expect.get("recur", {})
    short = {r: len(_with(plan, r)) for r, n in recur.items() if len(_with(plan, r)) < n}
    if recur:
        j.judge("recurrence", not short, f"too few: {short} (wanted {recur})")
    groups = scene.expect.get("groups", [])
    for parts in groups:
        ids = [{e.group for e in _with(plan, p)} for p in parts if _registered(p)]
        shared = set.intersection(*ids) - {""} if ids else set()
        j.judge("groups", bool(shared), f"{parts} groups {ids}")
    implied = scene.expect.get("implied", [])
    if implied:
        found = [a for a in implied if any(e.implied for e in _with(plan, a))]
        j.judge("implied", len(found) == len(implied), f"implied layers {found} of {implied}")
    if "length" in scene.expect:
        want = float(scene.expect["length"])
        j.judge("length", abs(plan.duration_s - want) < 0.01, f"{plan.duration_s} != {want}")
    words = scene.expect.get("unmatched", [])
    if words:
        said = " ".join(plan.unmatched).lower()
        j.judge("unmatched", all(w in said for w in words), f"unmatched {plan.unmatched}")


def _longest_gap(spans: Iterable[tuple[float, float]], length: float) -> float:
    gap, reach = 0.0, 0.0
    for start, end in sorted(spans):
        gap = max(gap, start - reach)
        reach = max(reach, end)
    return max(gap, length - reach)


def _check_stretches(scene: Scene, plan: ScenePlan, j: Judgement) -> None:
    if plan.duration_s < LONG_SCENE_S or scene.expect.get("quiet"):
        return
    every = [(e.start_s, e.end_s) for e in plan.events]
    silent = _longest_gap(every, plan.duration_s) / plan.duration_s
    j.judge("no silent stretch", silent <= DEAD_SHARE, f"{silent:.0%} with nothing sounding")
    lively = [
        (e.start_s, e.end_s) for e in plan.events if e.kind is EventKind.SFX or bool(e.automation)
    ]
    if lively:
        dead = _longest_gap(lively, plan.duration_s) / plan.duration_s
        j.judge("no dead stretch", dead <= DEAD_SHARE, f"{dead:.0%} with only steady beds")


def judge_scene(scene: Scene, plan: ScenePlan | None, refusal: str = "") -> Judgement:
    """Every criterion that applies to the scene, judged on its plan (None: it was refused)."""
    j = Judgement()
    if scene.expect.get("refused"):
        j.judge("refused", plan is None, "planned instead of refused")
        return j
    if plan is None:
        j.judge("sounds", False, f"refused: {refusal}")
        return j
    _check_sounds(scene, plan, j)
    _check_extras(scene, plan, j)
    _check_duplicates(plan, j)
    _check_automation(scene, plan, j)
    _check_structure(scene, plan, j)
    _check_stretches(scene, plan, j)
    return j


@dataclass(frozen=True)
class Report:
    """Per criterion (met, applicable), scenes met in full, and each scene's misses."""

    scenes: int
    criteria: dict[str, tuple[int, int]]
    perfect: int
    misses: tuple[tuple[str, tuple[str, ...]], ...]


def evaluate(
    scenes: list[Scene],
    plan_for: Callable[[Scene], ScenePlan] | None = None,
    planner_name: str = "rules",
) -> Report:
    """Plan every scene (with `planner_name`, seed 0, by default) and tally the criteria."""
    planner = get_planner(planner_name)

    def default(scene: Scene) -> ScenePlan:
        return planner.plan(SceneRequest(scene.text, duration_s=scene.duration), seed=0)

    plan_for = plan_for or default
    tally = {name: [0, 0] for name in CRITERIA}
    perfect, misses = 0, []
    for scene in scenes:
        try:
            plan, refusal = plan_for(scene), ""
        except InvalidArgument as exc:
            plan, refusal = None, str(exc)
        judged = judge_scene(scene, plan, refusal)
        for name, ok in judged.results.items():
            tally[name][0] += int(ok)
            tally[name][1] += 1
        perfect += int(all(judged.results.values()))
        if judged.notes:
            misses.append((scene.text, tuple(judged.notes)))
    criteria = {name: (met, total) for name, (met, total) in tally.items() if total}
    return Report(len(scenes), criteria, perfect, tuple(misses))


def format_report(name: str, report: Report) -> str:
    """The report as a few aligned lines."""
    lines = [f"{name}: {report.scenes} scenes, {report.perfect} fully right"]
    for criterion, (met, total) in report.criteria.items():
        lines.append(f"  {criterion:<18} {100.0 * met / total:5.1f} %  ({met}/{total})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print each scenes file's figures, and with --misses what each scene got wrong."""
    parser = argparse.ArgumentParser(description="Score a planner on scene files.")
    parser.add_argument("files", nargs="+", type=Path, metavar="JSONL")
    parser.add_argument("--misses", action="store_true", help="list what each scene missed")
    parser.add_argument("--planner", default="rules", help="planner backend (default rules)")
    parser.add_argument("--llm", metavar="PATH", help="the llm planner's model (folder or .gguf)")
    parser.add_argument("--limit", type=int, help="score only the first N scenes of each file")
    args = parser.parse_args(argv)
    if args.llm:
        from soundloom_server.engine.registry import use_model

        use_model("planner", "llm", args.llm)
    for path in args.files:
        scenes = read_scenes(path)[: args.limit] if args.limit else read_scenes(path)
        report = evaluate(scenes, planner_name=args.planner)
        print(format_report(path.name, report))
        for text, notes in report.misses if args.misses else ():
            print(f"    {text!r}")
            for note in notes:
                print(f"        {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
