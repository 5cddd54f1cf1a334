"""Caption -> recipe matching: accuracy on people's wording, negation, phrases, parameters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from soundloom_server.engine.plan import SceneRequest
from soundloom_server.engine.planners.descriptors import params_for
from soundloom_server.engine.planners.lexicon import match_recipe
from soundloom_server.engine.planners.matcher_eval import evaluate, read_captions
from soundloom_server.engine.planners.matchers import (
    LexiconMatcher,
    get_matcher,
    matcher_availability,
    select_matcher,
)
from soundloom_server.engine.planners.rules import RulesPlanner
from soundloom_server.engine.renderers.procedural.recipes import all_recipes

CAPTIONS = Path(__file__).parent / "data" / "captions.tsv"
# The library; recipe files land one by one, so tests that need one skip until it does.
ALL_RECIPES = frozenset(
    {
        "rain", "wind", "thunder", "hail", "stream", "ocean_waves", "cave_drips", "splash",
        "underwater", "fountain", "fire", "torch", "explosion", "fire_whoosh", "birds", "crows",
        "crickets", "frogs", "owl", "insect_buzz", "leaves_rustle", "footsteps", "door",
        "chains", "cloth", "drawer", "crowd_murmur", "applause", "heartbeat", "breathing",
        "engine", "tyre_skid", "pass_by", "siren", "alarm", "clock", "machine_hum",
        "electric_buzz", "impact", "glass_shatter", "gunshot", "sword_clash", "punch", "whoosh",
        "arrow", "laser", "magic_sparkle", "force_field", "teleport", "power_up", "retro_coin",
        "retro_jump", "retro_select", "retro_hurt", "retro_powerup", "retro_explosion",
        "retro_laser",
    }
)  # fmt: skip
EMBEDDING_FLOOR = 0.70
LEXICON_FLOOR = 0.90


def registered() -> set[str]:
    return {r.name for r in all_recipes()}


def need(*names: str) -> None:
    missing = set(names) - registered()
    if missing:
        pytest.skip(f"recipe(s) not registered yet: {', '.join(sorted(missing))}")


def test_caption_set_covers_every_recipe_in_peoples_words() -> None:
    rows = read_captions(CAPTIONS)
    assert len(rows) >= 150
    expected = [row.expected for row in rows]
    assert set(expected) == ALL_RECIPES
    assert all(expected.count(name) >= 2 for name in ALL_RECIPES)
    assert len({row.caption.lower() for row in rows}) == len(rows), "duplicate captions"
    # Paraphrases, not tags: most captions do not spell their recipe's name.
    named = sum(row.expected.replace("_", " ") in row.caption.lower() for row in rows)
    assert named < len(rows) / 3


def test_lexicon_top1_accuracy() -> None:
    result = evaluate(LexiconMatcher(), read_captions(CAPTIONS))
    assert result.evaluated > 0
    misses = "\n".join(f"{c!r}: expected {e}, got {g}" for c, e, g in result.misses)
    assert result.accuracy >= LEXICON_FLOOR, f"{result.accuracy:.1%}\n{misses}"


def test_every_caption_is_evaluated_once_the_library_is_complete() -> None:
    need(*ALL_RECIPES)
    result = evaluate(LexiconMatcher(), read_captions(CAPTIONS))
    assert result.skipped == 0 and result.evaluated >= 150


@pytest.mark.skipif(
    matcher_availability("embedding") is not None,
    reason=f"embedding matcher unavailable: {matcher_availability('embedding')}",
)
def test_embedding_top1_accuracy() -> None:
    result = evaluate(get_matcher("embedding"), read_captions(CAPTIONS))
    assert result.evaluated > 0
    assert result.accuracy >= EMBEDDING_FLOOR, f"{result.accuracy:.1%}"
    assert not get_matcher("embedding").match("no rain, no wind").confident


def test_negated_sounds_never_match() -> None:
    for caption in ("no rain", "not raining", "without any rain", "there is no rain"):
        found = match_recipe(caption)
        assert found.recipe.name != "rain" and not found.confident, caption
    assert match_recipe("no rain, birds singing").recipe.name == "birds"
    assert match_recipe("no rain but thunder rumbling").recipe.name == "thunder"
    assert match_recipe("a forest without wind where birds sing").recipe.name == "birds"


def test_multi_word_phrases_beat_their_words() -> None:
    need("alarm", "clock", "siren", "engine", "force_field")
    assert match_recipe("an alarm clock going off").recipe.name == "alarm"
    assert match_recipe("a fire alarm in the hall").recipe.name == "alarm"
    assert match_recipe("a fire engine siren").recipe.name == "siren"
    assert match_recipe("the force field holds").recipe.name == "force_field"
    assert match_recipe("the crack of thunder").recipe.name == "thunder"
    found = match_recipe("a grandfather clock in the study")
    assert found.recipe.name == "clock" and "grandfather clock" in found.matched


def test_lemmas_and_stems_meet() -> None:
    assert match_recipe("crackling logs").recipe.name == "fire"
    assert match_recipe("the birds were chirping").recipe.name == "birds"
    assert match_recipe("doors slammed").recipe.name == "door"


def test_retro_cue_picks_the_retro_recipe() -> None:
    need("laser", "retro_laser", "explosion", "retro_explosion")
    assert match_recipe("a laser blast").recipe.name == "laser"
    assert match_recipe("an 8-bit laser").recipe.name == "retro_laser"
    assert match_recipe("a big explosion").recipe.name == "explosion"
    assert match_recipe("a chiptune explosion").recipe.name == "retro_explosion"


def test_parameter_words_still_set_params() -> None:
    caption = "heavy rain on a tin roof"
    rain = match_recipe(caption)
    params = params_for(rain.recipe, caption)
    assert rain.recipe.name == "rain" and params["intensity"] > 0.5
    assert params["material"] == "roof"
    thunder = match_recipe("distant thunder")
    assert params_for(thunder.recipe, "distant thunder")["distance"] >= 0.8
    steps = match_recipe("footsteps running on gravel")
    step_params = params_for(steps.recipe, "footsteps running on gravel")
    assert step_params["rate"] > 0.5 and step_params["material"] == "gravel"


def test_unknown_matcher_falls_back_to_lexicon(monkeypatch: pytest.MonkeyPatch) -> None:
    matcher, note = select_matcher("telepathy")
    assert matcher.name == "lexicon" and note and "telepathy" in note
    monkeypatch.setenv("SOUNDLOOM_MATCHER", "telepathy")
    plan = RulesPlanner().plan(SceneRequest("heavy rain", duration_s=5.0))
    assert plan.events[0].recipe == "rain"
    assert any("telepathy" in w for w in plan.warnings)
    monkeypatch.delenv("SOUNDLOOM_MATCHER")
    assert select_matcher() == (get_matcher("lexicon"), None)


def test_core_package_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from soundloom.cli import main\n"
        "from soundloom_server.engine.registry import get_planner\n"
        "from soundloom_server.engine.planners.matchers import matcher_availability\n"
        "from soundloom_server.engine.plan import SceneRequest\n"
        "get_planner('rules').plan(SceneRequest('rain and a door slams', duration_s=5.0))\n"
        "matcher_availability('embedding')\n"
        "heavy = ('torch', 'sentence_transformers', 'transformers')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "SOUNDLOOM_MATCHER": "lexicon"}
    )
