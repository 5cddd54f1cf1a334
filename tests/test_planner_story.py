"""The rules planner reads a scene as a sound designer: titles, sources, gestures, places."""

from __future__ import annotations

import json

import pytest

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    EventKind,
    ScenePlan,
    SceneRequest,
    plan_from_json,
    plan_json_schema,
    plan_to_json,
)
from soundloom_server.engine.planners.llm_output import parse_plan_text
from soundloom_server.engine.registry import get_planner
from soundloom_server.engine.renderers.procedural import ProceduralRenderer
from soundloom_server.engine.renderers.procedural.recipes import all_recipes
from soundloom_server.plan_proto import plan_from_proto, plan_to_proto


def plan(text: str, duration_s: float = 0.0) -> ScenePlan:
    return get_planner("rules").plan(SceneRequest(text, duration_s=duration_s), seed=0)


def test_a_title_sets_the_style_and_the_head_is_the_sound() -> None:
    scene = plan(
        "Mystery chase: footsteps splashing in water, thunder roaring, car skidding, "
        "and a door slamming shut."
    )
    firsts = {}
    for e in scene.events:
        firsts.setdefault(e.recipe, e)
    assert "fountain" not in firsts and "Mystery chase" in scene.style
    assert all("Mystery" not in e.caption for e in scene.events)
    order = ["footsteps", "thunder", "tyre_skid", "door"]
    assert [firsts[r].start_s for r in order] == sorted(firsts[r].start_s for r in order)
    assert firsts["footsteps"].params["material"] == "water"


def test_a_fire_truck_is_one_group_that_leaves_and_drives_away() -> None:
    scene = plan("a fire truck leaves the station with its siren wailing and drives away")
    engine, siren = (next(e for e in scene.events if e.recipe == r) for r in ("engine", "siren"))
    assert [e.recipe for e in scene.events].count("siren") == 1
    assert engine.group and engine.group == siren.group
    assert (engine.start_s, engine.duration_s, engine.pan) == (
        siren.start_s,
        siren.duration_s,
        siren.pan,
    )
    for part in (engine, siren):
        distance = [p.value for p in part.automation.distance]
        assert distance[-1] - distance[0] > 0.5  # recedes
    # "leaves": it starts, revving up, before it goes.
    assert engine.automation.intensity[1].value > engine.automation.intensity[0].value


def test_gestures_over_a_bed_and_over_recurrences() -> None:
    scene = plan(
        "The rain grows heavier as thunder draws closer. The total duration is 35.1 seconds."
    )
    assert scene.duration_s == 35.1
    rain = next(e for e in scene.events if e.recipe == "rain")
    assert rain.automation.intensity[-1].value > rain.automation.intensity[0].value
    thunders = sorted((e for e in scene.events if e.recipe == "thunder"), key=lambda e: e.start_s)
    distances = [e.params["distance"] for e in thunders]
    assert len(thunders) >= 2 and distances == sorted(distances, reverse=True)


def test_places_imply_layers_marked_implied() -> None:
    scene = plan("abandoned harbour at night: a door slams", 30.0)
    implied = {e.recipe for e in scene.events if e.implied}
    assert "ocean_waves" in implied
    assert [e.recipe for e in scene.events if not e.implied] == ["door"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "text",
    [
        "abandoned harbour at night: rain, footsteps on wet planks, a door slams, thunder",
        "city street in the rain: a car horn honks, a dog barks, footsteps on wet pavement",
    ],
)
def test_recurrences_leave_the_other_one_shots_clear(text: str, seed: int) -> None:
    # A walk that recurs pauses while the door slams: neither masks the other in the mix.
    scene = get_planner("rules").plan(SceneRequest(text, duration_s=45.0), seed=seed)
    shots = sorted((e for e in scene.events if e.kind is EventKind.SFX), key=lambda e: e.start_s)
    firsts = {e.recipe: e for e in reversed(shots)}
    repeats = [e for e in shots if firsts[e.recipe] is not e]
    assert repeats
    for again in repeats:
        for other in shots:
            if other.recipe != again.recipe:
                assert again.end_s <= other.start_s or other.end_s <= again.start_s, (again, other)


def test_implied_layers_sit_under_the_described_beds() -> None:
    scene = plan("abandoned harbour at night: rain on tin roofs, a door slams", 30.0)
    rain = next(e for e in scene.events if e.recipe == "rain")
    implied = [e for e in scene.events if e.implied]
    assert implied and all(e.gain_db <= rain.gain_db - 8.0 for e in implied)


def test_a_long_scene_has_no_dead_stretch() -> None:
    scene = plan("rain, and a door slams", 40.0)
    lively = sorted(
        (e.start_s, e.end_s) for e in scene.events if e.kind is EventKind.SFX or e.automation
    )
    reach, gap = 0.0, 0.0
    for start, end in lively:
        gap, reach = max(gap, start - reach), max(reach, end)
    assert max(gap, scene.duration_s - reach) <= 0.25 * scene.duration_s


@pytest.mark.parametrize(
    "text", ["une porte claque et le vent souffle dans la nuit", "雨の夜、雷が遠くで鳴っている"]
)
def test_words_in_another_language_are_refused_naming_them(text: str) -> None:
    with pytest.raises(InvalidArgument, match="words that found nothing") as caught:
        plan(text)
    assert caught.value.field == "events"


def test_weak_matches_carry_their_score_through_json_and_proto() -> None:
    scene = plan("a body falls to the floor")
    weak = scene.events[0]
    assert weak.match_score < 0.5 and any("weak match" in w for w in scene.warnings)
    assert plan_from_json(plan_to_json(scene)) == scene
    assert plan_from_proto(plan_to_proto(scene)) == scene
    schema = plan_json_schema()
    event = schema["$defs"]["Event"]["properties"]
    assert {"group", "implied", "match_score", "automation"} <= set(event)
    assert "unmatched" in schema["properties"]


def test_unknown_recipe_params_are_refused_naming_the_allowed_words() -> None:
    door = plan("a door slams").events[0]
    renderer = ProceduralRenderer()
    with pytest.raises(InvalidArgument, match="wood, metal") as caught:
        renderer.check(door.__class__(**{**door.__dict__, "params": {"material": "chocolate"}}), 0)
    assert caught.value.field == "events[0].params.material"
    with pytest.raises(InvalidArgument, match="its parameters") as caught:
        renderer.check(door.__class__(**{**door.__dict__, "params": {"flavour": 1.0}}), 0)
    assert caught.value.field == "events[0].params.flavour"


def test_the_llm_repair_keeps_groups_automation_and_implied_layers() -> None:
    answer = {
        "events": [
            {
                "caption": "a fire truck engine",
                "recipe": "engine",
                "kind": "sfx",
                "start_s": 0,
                "duration_s": 8,
                "group": "fire truck",
                "implied": False,
                "automation": {"distance": [{"t": 0, "value": 0.2}, {"t": 1, "value": 1.4}]},
                "params": {"material": "chocolate", "intensity": 0.6},
            },
            {
                "caption": "water lapping",
                "recipe": "ocean_waves",
                "kind": "ambience",
                "start_s": 0,
                "duration_s": 10,
                "implied": True,
                "match_score": 0.4,
            },
        ],
        "unmatched": ["violin"],
    }
    recipes = {r.name: r.kind for r in all_recipes()}
    parsed = parse_plan_text(json.dumps(answer), 10.0, recipes)
    engine, waves = parsed.plan.events
    assert engine.group == "fire-truck" and waves.implied and waves.match_score == 0.4
    assert [p.value for p in engine.automation.distance] == [0.2, 1.0]  # clamped into range
    assert engine.params == {"intensity": 0.6}  # a param the recipe lacks is dropped, noted
    assert any("material" in note for note in parsed.repairs)
    assert parsed.plan.unmatched == ("violin",)
