"""The rules planner: events, kinds, order, durations and parameters read from plain words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import EventKind, ScenePlan, SceneRequest, validate_plan
from soundloom_server.engine.registry import get_planner

HARBOUR = (
    "abandoned harbour at night: rain on tin roofs, footsteps on wet planks, a door slams, "
    "distant thunder"
)


def plan(text: str, duration_s: float = 0.0, seed: int = 0) -> ScenePlan:
    return get_planner("rules").plan(SceneRequest(text, duration_s=duration_s), seed=seed)


def _named(scene: ScenePlan) -> list[str]:
    """Recipes the text names (implied layers left out), in order of first appearance."""
    firsts: dict[str, float] = {}
    for e in scene.events:
        if not e.implied:
            firsts[e.recipe] = min(firsts.get(e.recipe, e.start_s), e.start_s)
    return sorted(firsts, key=lambda r: (firsts[r], list(firsts).index(r)))


def test_harbour_scene_in_narrative_order() -> None:
    scene = plan(HARBOUR, 45.0)
    assert scene.duration_s == 45.0
    assert _named(scene) == ["rain", "footsteps", "door", "thunder"]
    rain = next(e for e in scene.events if e.recipe == "rain")
    assert rain.kind is EventKind.AMBIENCE and rain.start_s == 0.0 and rain.duration_s == 45.0
    firsts = [next(e for e in scene.events if e.recipe == r) for r in _named(scene)[1:]]
    starts = [e.start_s for e in firsts]
    assert starts == sorted(starts) and len(set(starts)) == 3
    # Natural spacing: one-shots spread over the scene, none bunched at the start.
    assert starts[-1] - starts[0] > 10.0
    assert firsts[0].params.get("material") == "wood"
    assert firsts[1].params.get("action") == "slam"
    thunders = [e for e in scene.events if e.recipe == "thunder"]
    assert len(thunders) >= 2 and len({e.params.get("distance") for e in thunders}) >= 2
    assert rain.params.get("material") == "roof"
    assert "harbour" in scene.style and scene.environment == "outdoor"
    # The harbour implies water at the pilings; the layer says so, so a user can drop it.
    assert any(e.implied and e.recipe == "ocean_waves" for e in scene.events)


def test_durations_read_from_text() -> None:
    assert plan("rain, 45 s").duration_s == 45.0
    assert plan("wind howling. The total duration is 35.1 seconds.").duration_s == 35.1
    assert plan("crickets for two minutes").duration_s == pytest.approx(30.0)  # event, not scene
    scene = plan("rain, then footsteps for 5 seconds, 20 seconds")
    steps = next(e for e in scene.events if e.recipe == "footsteps")
    assert steps.duration_s == 5.0 and scene.duration_s == 20.0
    assert plan("birds", 12.0).duration_s == 12.0


def test_sequence_and_overlap_words() -> None:
    scene = plan("a door creaks, then footsteps, and finally an impact on metal", 30.0)
    door, steps, hit = (next(e for e in scene.events if e.recipe == r) for r in _named(scene))
    assert door.start_s < steps.start_s < hit.start_s
    assert door.end_s <= steps.start_s + 1e-6 and steps.end_s <= hit.start_s + 1e-6
    together = plan("a door slams while thunder rumbles", 20.0)
    door, thunder = (next(e for e in together.events if e.recipe == r) for r in _named(together))
    assert door.start_s == thunder.start_s


def test_beds_and_one_shots() -> None:
    scene = plan("gentle wind, a crackling campfire, crickets and a single gust of wind", 30.0)
    kinds = {e.id: e.kind for e in scene.events}
    assert kinds["wind-1"] is EventKind.AMBIENCE and kinds["wind-2"] is EventKind.SFX
    assert all(
        e.start_s == 0.0 and e.duration_s == 30.0
        for e in scene.events
        if e.kind is EventKind.AMBIENCE
    )
    later = plan("footsteps on stone, then rain begins", 30.0)
    rain = next(e for e in later.events if e.recipe == "rain")
    assert (
        rain.kind is EventKind.AMBIENCE and rain.start_s > 0.0 and rain.end_s == pytest.approx(30.0)
    )


def test_parameters_from_words() -> None:
    heavy, light = plan("heavy rain").events[0], plan("light drizzle").events[0]
    assert heavy.params["intensity"] > light.params["intensity"]
    near, far = plan("thunder overhead").events[0], plan("thunder far away").events[0]
    assert far.params["distance"] > near.params["distance"]
    metal = plan("an impact on a steel beam").events[0]
    assert metal.recipe == "impact" and metal.params["material"] == "metal"
    running = plan("footsteps running on gravel").events[0]
    assert running.params["rate"] > 0.5 and running.params["material"] == "gravel"


def test_negation_is_respected() -> None:
    scene = plan("a quiet forest with no rain, birds singing")
    assert "rain" not in {e.recipe for e in scene.events}
    assert "birds" in {e.recipe for e in scene.events}


def test_a_sound_no_recipe_fits_is_left_out_and_named() -> None:
    scene = plan("a cat meows then a violin plays", 10.0)
    assert [e.recipe for e in scene.events] == ["cat_meow"]
    assert any("violin" in u for u in scene.unmatched)
    assert any("violin" in w and "left out" in w for w in scene.warnings)
    with pytest.raises(InvalidArgument, match="zorblax") as caught:
        plan("a zorblax vibrates", 10.0)
    assert caught.value.field == "events"


def test_setting_implies_a_bed_when_none_is_named() -> None:
    scene = plan("a forest at dawn: a door creaks", 20.0)
    assert scene.events[0].recipe == "birds" and scene.events[0].kind is EventKind.AMBIENCE


def test_occasional_one_shots_repeat() -> None:
    scene = plan("steady rain with occasional thunder", 60.0)
    thunders = [e for e in scene.events if e.recipe == "thunder"]
    assert len(thunders) >= 3
    assert len({round(e.start_s, 2) for e in thunders}) == len(thunders)


def test_deterministic_per_seed() -> None:
    assert plan(HARBOUR, 45.0, seed=3) == plan(HARBOUR, 45.0, seed=3)
    assert plan(HARBOUR, 45.0, seed=3) != plan(HARBOUR, 45.0, seed=4)


def test_empty_description_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="description must not be empty"):
        plan("   ")


@settings(max_examples=150, deadline=None)
@given(
    st.text(min_size=1, max_size=300).filter(lambda s: s.strip()),
    st.floats(0.0, 600.0).filter(lambda d: d == 0.0 or d >= 0.1),
    st.integers(0, 2**32),
)
def test_any_text_gives_a_valid_nonempty_plan_or_names_events(
    text: str, duration: float, seed: int
) -> None:
    try:
        scene = plan(text, duration, seed)
    except InvalidArgument as exc:
        assert exc.field == "events"  # nothing in it makes a sound: refused, never silence
        return
    assert validate_plan(scene) is scene
    assert scene.events, "never silence"


_WORDS = st.sampled_from(
    [
        "rain",
        "then",
        "while",
        "and",
        ",",
        "heavy",
        "door",
        "slams",
        "thunder",
        "far",
        "for",
        "5",
        "seconds",
        "footsteps",
        "finally",
        "wind",
        ".",
        "crickets",
        "no",
        "45 s",
        ":",
        "a",
        "creaks",
        "metal",
        "gravel",
        "occasional",
        "total duration is 20 seconds",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=25), st.floats(1.0, 600.0))
def test_sound_words_in_any_order_plan_inside_the_scene(words: list[str], duration: float) -> None:
    try:
        scene = plan(" ".join(words), duration)
    except InvalidArgument as exc:
        assert exc.field == "events"
        return
    for event in scene.events:
        assert event.start_s >= 0.0 and event.end_s <= scene.duration_s + 1e-6


def test_one_shots_alone_get_their_natural_length_not_a_long_silence() -> None:
    door = plan("a heavy door slams")
    assert 1.5 <= door.duration_s <= 4.0
    assert door.events[0].end_s <= door.duration_s
    two = plan("a door creaks, then an impact on metal")
    assert two.duration_s > door.duration_s
    assert plan("rain, and a door slams").duration_s == 30.0  # a bed: a stretch of scene
    assert plan("a door slams", 12.0).duration_s == 12.0


@pytest.mark.parametrize(
    ("caption", "material"),
    [
        ("footsteps on wet planks", "wood"),
        ("footsteps on a wooden floor", "wood"),
        ("footsteps on a stone floor", "stone"),
        ("footsteps on a metal grate", "metal"),
        ("footsteps in the street", "stone"),
        ("footsteps through shallow water", "water"),
    ],
)
def test_material_words_beat_surface_hints(caption: str, material: str) -> None:
    steps = next(e for e in plan(caption).events if e.recipe == "footsteps")
    assert steps.params["material"] == material


def test_a_closing_in_the_phrase_names_the_bed_around_a_sound() -> None:
    scene = plan("a door slams in the rain")
    assert {(e.recipe, e.kind) for e in scene.events} == {
        ("door", EventKind.SFX),
        ("rain", EventKind.AMBIENCE),
    }
    rain = next(e for e in scene.events if e.recipe == "rain")
    assert rain.start_s == 0.0 and rain.end_s == scene.duration_s
    # A place is not a sound: no bed is invented for "in the house".
    assert [e.recipe for e in plan("a door slams in the house").events] == ["door"]
