"""LLM output parsing, seams and backend availability: pure Python, no torch needed."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from soundloom_server.engine.plan import EventKind, SceneRequest
from soundloom_server.engine.planners import llm as llm_module
from soundloom_server.engine.planners.llm import LLMPlanner, build_messages
from soundloom_server.engine.planners.llm_output import (
    PlanParseError,
    extract_json_object,
    parse_plan_text,
)
from soundloom_server.engine.renderers.diffusion import DiffusionRenderer, model_availability
from soundloom_server.engine.renderers.diffusion.segments import (
    equal_power_fades,
    join_segments,
    plan_segments,
)

RECIPES = {"rain": EventKind.AMBIENCE, "door": EventKind.SFX, "thunder": EventKind.SFX}

VALID = {
    "duration_s": 20,
    "style": "noir",
    "environment": "outdoor",
    "events": [
        {
            "id": "rain",
            "kind": "ambience",
            "caption": "rain on a tin roof",
            "recipe": "rain",
            "start_s": 0,
            "duration_s": 20,
            "loop": True,
        },
        {
            "id": "door",
            "kind": "sfx",
            "caption": "a heavy door slams",
            "recipe": "door",
            "start_s": 5.5,
            "duration_s": 1.2,
            "gain_db": -3,
            "pan": 0.4,
        },
    ],
}


def test_valid_output_with_chatter_and_fences_parses() -> None:
    text = "Sure! Here is the plan:\n```json\n" + json.dumps(VALID) + "\n```\nEnjoy."
    parsed = parse_plan_text(text, 20.0, RECIPES)
    assert [e.id for e in parsed.plan.events] == ["rain", "door"]
    assert parsed.plan.events[1].start_s == 5.5 and parsed.plan.events[1].pan == 0.4
    assert parsed.plan.environment == "outdoor" and parsed.repairs == ()


def test_braces_inside_strings_do_not_end_the_object() -> None:
    data = json.loads(json.dumps(VALID))
    data["events"][1]["caption"] = "a door } slams {"
    blob = extract_json_object("x " + json.dumps(data) + " {trailing")
    assert json.loads(blob)["events"][1]["caption"] == "a door } slams {"


def test_truncated_output_is_refused() -> None:
    text = json.dumps(VALID)[:-40]
    with pytest.raises(PlanParseError, match="truncated"):
        parse_plan_text(text, 20.0, RECIPES)


def test_no_json_is_refused() -> None:
    with pytest.raises(PlanParseError, match="no JSON"):
        parse_plan_text("rain rain rain door door", 20.0, RECIPES)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"scenes": [{"caption": "rain"}]}, "no 'events' list"),
        ({"events": "rain and a door"}, "no 'events' list"),
        ({"events": [{"what": "rain"}, "door"]}, "no usable events"),
        ({"events": [{"caption": "a kazoo solo", "recipe": "kazoo"}]}, "no usable events"),
    ],
)
def test_wrong_schema_is_refused(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(PlanParseError, match=reason):
        parse_plan_text(json.dumps(data), 20.0, RECIPES)


def test_out_of_range_values_are_clamped_and_noted() -> None:
    data = json.loads(json.dumps(VALID))
    data["duration_s"] = 90
    data["events"][0].update(duration_s=45)
    data["events"][1].update(start_s=19.9, duration_s=5, gain_db=40, pan=-3, fade_in_s=9)
    data["events"].append(dict(data["events"][1], id="door", start_s=-4))  # duplicate id
    parsed = parse_plan_text(json.dumps(data), 20.0, RECIPES)
    plan = parsed.plan
    assert plan.duration_s == 20.0
    assert all(e.end_s <= 20.0 + 1e-6 and e.start_s >= 0.0 for e in plan.events)
    door = plan.events[1]
    assert door.gain_db == 12.0 and door.pan == -1.0
    assert door.fade_in_s + door.fade_out_s <= door.duration_s
    assert len({e.id for e in plan.events}) == 3
    notes = " ".join(parsed.repairs)
    for expected in ("gain_db", "pan", "duration_s", "start_s", "id"):
        assert expected in notes


def test_unknown_recipe_maps_by_caption_when_clear() -> None:
    data = {"events": [{"caption": "a door slams", "recipe": "door_slam", "start_s": 1}]}
    lookup = {"door_slam": "door"}
    parsed = parse_plan_text(json.dumps(data), 10.0, RECIPES, lambda c, r: lookup.get(r))
    assert parsed.plan.events[0].recipe == "door"
    assert parsed.plan.events[0].kind is EventKind.SFX


def test_prompt_carries_the_answer_shape_recipes_and_duration() -> None:
    messages = build_messages(SceneRequest("a harbour at night", style="noir"), 45.0)
    system, user = messages[0]["content"], messages[1]["content"]
    assert '{"events":[{"caption":' in system and "45 seconds" in system
    assert "\nrain (ambience): " in system and "\ndoor (sfx): a door opening" in system
    assert "a harbour at night" in user and "noir" in user and "45 seconds" in user
    # Short enough for a small model's context: one line per recipe, no full plan schema.
    assert len(system) < 8000 and '"$defs"' not in system


def _fake_model(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Replace loading and generation with canned answers; returns the prompts seen."""
    seen: list[str] = []

    def generate(messages, max_new_tokens, seed):
        seen.append(messages[-1]["content"])
        return answers[len(seen) - 1]

    monkeypatch.setattr(llm_module, "answer_function", lambda *args: generate)
    monkeypatch.setattr(LLMPlanner, "availability", lambda self: llm_module.Availability(True))
    return seen


def test_llm_planner_retries_with_the_reason_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_model(monkeypatch, ["garbage", json.dumps(VALID)])
    plan = LLMPlanner("unused", device="cpu").plan(SceneRequest("rain and a door", 20.0))
    assert plan.planner == "llm" and [e.recipe for e in plan.events] == ["rain", "door"]
    assert len(seen) == 2 and "no JSON object" in seen[1]


def test_llm_planner_falls_back_after_two_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_model(monkeypatch, ["nope", '{"events": [', '{"scenes": []}', "never asked"])
    plan = LLMPlanner("unused", device="cpu").plan(SceneRequest("rain and a door slams", 20.0))
    assert len(seen) == 3
    assert plan.planner == "rules" and plan.events
    assert plan.warnings[0].startswith("llm planner fell back to rules after 3 attempts")
    assert "truncated" in plan.warnings[0] and "no 'events' list" in plan.warnings[0]


def test_llm_planner_without_a_model_falls_back_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOUNDLOOM_LLM", raising=False)
    plan = LLMPlanner().plan(SceneRequest("rain on a tin roof", 10.0))
    assert plan.planner == "rules" and "llm planner unavailable" in plan.warnings[0]


def test_diffusion_availability_names_the_missing_piece(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.delenv("SOUNDLOOM_MODELS", raising=False)
    monkeypatch.setattr(
        "soundloom_server.engine.neural.missing_packages", lambda names=(): ["torch"]
    )
    assert "torch not installed" in model_availability(tmp_path).reason
    monkeypatch.setattr("soundloom_server.engine.neural.missing_packages", lambda names=(): [])
    assert "--model PATH" in model_availability(None).reason
    assert "no weights at" in model_availability(tmp_path / "nowhere").reason
    assert "model_index.json" in model_availability(tmp_path).reason
    assert not DiffusionRenderer(tmp_path).availability().available


@pytest.mark.parametrize(("duration", "max_s"), [(1.0, 2.0), (2.0, 2.0), (5.0, 2.0), (60.0, 47.55)])
def test_segments_cover_the_event_within_the_window(duration: float, max_s: float) -> None:
    cut = plan_segments(duration, max_s)
    assert cut.length_s <= max_s + 1e-9
    assert abs(cut.count * cut.length_s - (cut.count - 1) * cut.overlap_s - duration) < 1e-9


def test_equal_power_seam_keeps_uncorrelated_level() -> None:
    fade_out, fade_in = equal_power_fades(1000)
    assert np.allclose(fade_out**2 + fade_in**2, 1.0, atol=1e-6)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 48000, 2)).astype(np.float32)
    joined = join_segments([a, b], 24000)
    assert joined.shape == (72000, 2)
    seam_rms = np.sqrt(np.mean(joined[24000:48000] ** 2))
    assert abs(seam_rms - 1.0) < 0.05
