"""The planner's figures on the scene sets (tuning and held out), as the README reports them."""

from __future__ import annotations

from pathlib import Path

import pytest

from soundloom_server.engine.planners.evaluate import evaluate, format_report, read_scenes

DATA = Path(__file__).parent / "data"
# Floors a little under the figures measured when this was written (README, planner section).
FLOORS = {"scenes.jsonl": 0.85, "scenes_holdout.jsonl": 0.6}


def test_the_scene_sets_are_big_enough_and_a_third_is_held_out() -> None:
    tuning, held = read_scenes(DATA / "scenes.jsonl"), read_scenes(DATA / "scenes_holdout.jsonl")
    assert len(tuning) + len(held) >= 60 and len(held) * 3 >= len(tuning) + len(held) - 1


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scene_set_figures(name: str) -> None:
    report = evaluate(read_scenes(DATA / name))
    print(format_report(name, report))
    assert report.perfect / report.scenes >= FLOORS[name], report.misses
    for criterion in ("no title event", "no duplicates", "refused"):
        met, total = report.criteria.get(criterion, (1, 1))
        assert met / total >= 0.9, (criterion, report.misses)


def test_the_command_scores_a_named_planner_on_the_first_scenes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from soundloom_server.engine.planners.evaluate import main
    from soundloom_server.engine.registry import BackendNotFound

    path = DATA / "scenes.jsonl"
    assert main([str(path), "--limit", "3", "--planner", "rules"]) == 0
    assert capsys.readouterr().out.startswith("scenes.jsonl: 3 scenes, ")
    with pytest.raises(BackendNotFound, match="nope"):  # an unknown planner is named
        main([str(path), "--limit", "1", "--planner", "nope"])
