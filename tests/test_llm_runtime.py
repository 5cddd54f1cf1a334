"""The LLM planner's models as users have them (folders, .gguf files) and its bounded schema.

Pure Python: llama-cpp-python is never installed in CI (its sdist builds for about an hour), so
its path is checked against a fake `llama_cpp` module that records what the planner passes.
"""

from __future__ import annotations

import importlib.machinery
import json
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pytest

from soundloom_server.engine.backend import Availability
from soundloom_server.engine.plan import ENVIRONMENTS, Event, EventKind, SceneRequest
from soundloom_server.engine.planners import llm_runtime
from soundloom_server.engine.planners.llm import LLMPlanner, _recipes, llm_availability
from soundloom_server.engine.planners.llm_output import parse_plan_text
from soundloom_server.engine.planners.llm_schema import (
    draft_schema,
    duration_values,
    max_chars,
    start_values,
)

RECIPES = {"rain": EventKind.AMBIENCE, "door": EventKind.SFX, "thunder": EventKind.SFX}


def test_draft_schema_bounds_every_part_of_the_answer() -> None:
    schema = draft_schema(45.0, RECIPES, max_events=5)
    events = schema["properties"]["events"]
    assert events["maxItems"] == 5 and schema["properties"]["unmatched"]["maxItems"] == 4
    fields = events["items"]["properties"]
    assert fields["recipe"]["enum"] == ["door", "rain", "thunder"]
    assert fields["caption"]["pattern"].endswith("{0,59}$")
    assert fields["start_s"]["enum"][:3] == [0, 0.5, 1] and fields["start_s"]["enum"][-1] == 44.5
    assert fields["duration_s"]["enum"][0] == 0.2 and fields["duration_s"]["enum"][-1] == 45
    assert schema["properties"]["environment"]["enum"] == list(ENVIRONMENTS)
    assert 1000 < max_chars(schema) < 4000


def test_time_grids_coarsen_for_long_scenes_and_fit_short_ones() -> None:
    assert len(start_values(600.0)) <= 121 and start_values(600.0)[1] == 5
    assert start_values(0.3) == [0] and duration_values(0.3) == [0.2, 0.3]
    assert all(d <= 600 for d in duration_values(600.0))


def test_an_answer_in_the_schema_parses_with_nothing_to_repair() -> None:
    answer = {
        "events": [
            {
                "caption": "rain on the quay",
                "recipe": "rain",
                "start_s": 0,
                "duration_s": 20,
                "implied": False,
            },
            # Runs past the end: the draft schema's rule cuts it there, no repair note.
            {
                "caption": "a door",
                "recipe": "door",
                "start_s": 19,
                "duration_s": 8,
                "implied": True,
            },
        ],
        "environment": "outdoor",
        "unmatched": ["a parrot"],
    }
    parsed = parse_plan_text(json.dumps(answer), 20.0, RECIPES, clip_ends=True)
    assert parsed.repairs == ()
    rain, door = parsed.plan.events
    assert rain.loop and rain.kind is EventKind.AMBIENCE and not door.loop and door.implied
    assert door.end_s == 20.0 and parsed.plan.unmatched == ("a parrot",)
    noted = parse_plan_text(json.dumps(answer), 20.0, RECIPES)  # free text: the cut is noted
    assert any("clamped" in note for note in noted.repairs)


def test_a_path_names_a_folder_or_a_gguf(tmp_path: Path) -> None:
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert llm_runtime.llm_source(folder) == llm_runtime.LLMSource(folder)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert llm_runtime.llm_source(gguf) == llm_runtime.LLMSource(gguf, gguf)
    holder = tmp_path / "holder"
    holder.mkdir()
    (holder / "only.gguf").write_bytes(b"GGUF")
    assert llm_runtime.llm_source(holder).gguf == holder / "only.gguf"
    (holder / "other.gguf").write_bytes(b"GGUF")
    assert "several .gguf files" in llm_runtime.llm_source(holder)
    assert "not a .gguf" in llm_runtime.llm_source(folder / "config.json")
    assert "no weights at" in llm_runtime.llm_source(tmp_path / "nowhere")


def _packages(monkeypatch: pytest.MonkeyPatch, installed: set[str]) -> None:
    monkeypatch.setattr(llm_runtime, "_importable", lambda name: name in installed)
    monkeypatch.setattr(
        "soundloom_server.engine.neural.missing_packages",
        lambda names=(): [n for n in names if n not in installed],
    )


def test_the_runtime_for_a_gguf_and_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.delenv(llm_runtime.RUNTIME_ENV, raising=False)
    _packages(monkeypatch, {"llama_cpp", "torch", "transformers", "gguf", "lmformatenforcer"})
    assert llm_availability(gguf) == Availability(True, "gguf via llama-cpp-python")
    monkeypatch.setenv(llm_runtime.RUNTIME_ENV, "transformers")
    assert "forced by $SOUNDLOOM_LLM_RUNTIME" in llm_availability(gguf).reason
    monkeypatch.delenv(llm_runtime.RUNTIME_ENV)
    _packages(monkeypatch, {"torch", "transformers", "gguf", "lmformatenforcer"})
    assert llm_availability(gguf).reason == "gguf via transformers (llama-cpp-python not installed)"
    _packages(monkeypatch, {"torch", "transformers", "gguf"})
    assert "output unconstrained (lm-format-enforcer not installed)" in (
        llm_availability(gguf).reason
    )
    _packages(monkeypatch, {"torch", "transformers"})
    missing = llm_availability(gguf)
    assert not missing.available and "llama-cpp-python, or gguf" in missing.reason


class _FakeLlama:
    """Records what the planner hands llama-cpp-python and answers with a canned plan."""

    made: ClassVar[list[dict[str, Any]]] = []
    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.made.append(kwargs)

    def create_chat_completion(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        plan = {
            "events": [
                {
                    "caption": "rain on a tin roof",
                    "recipe": "rain",
                    "start_s": 0,
                    "duration_s": 12,
                    "implied": False,
                },
                {
                    "caption": "a door slams",
                    "recipe": "door",
                    "start_s": 4,
                    "duration_s": 1,
                    "implied": False,
                },
            ],
            "environment": "outdoor",
            "unmatched": [],
        }
        return {"choices": [{"message": {"role": "assistant", "content": json.dumps(plan)}}]}


def test_a_gguf_plans_through_llama_cpp_held_to_the_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The real llama-cpp-python is not in CI: this fake has its documented API's shape.
    fake = types.ModuleType("llama_cpp")
    fake.__spec__ = importlib.machinery.ModuleSpec("llama_cpp", None)
    fake.Llama = _FakeLlama  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_cpp", fake)
    monkeypatch.setenv("SOUNDLOOM_LLM_THREADS", "2")
    monkeypatch.delenv(llm_runtime.RUNTIME_ENV, raising=False)
    llm_runtime.load_llama_cpp.cache_clear()
    gguf = tmp_path / "qwen.gguf"
    gguf.write_bytes(b"GGUF")
    _FakeLlama.made.clear()
    _FakeLlama.calls.clear()
    plan = LLMPlanner(gguf).plan(SceneRequest("rain on a tin roof, a door slams", 12.0), seed=7)
    assert plan.planner == "llm" and [e.recipe for e in plan.events] == ["rain", "door"]
    assert plan.events[0].loop and not [w for w in plan.warnings if "repaired" in w]
    # The plan says who decided what: here the matcher reads the same recipes in the captions.
    assert plan.warnings[0].startswith("llm planner decisions: captions and times by the LLM")
    assert "which the matcher agrees with, for rain-0, door-1" in plan.warnings[0]
    assert _FakeLlama.made == [
        {"model_path": str(gguf), "n_ctx": 8192, "n_threads": 2, "verbose": False}
    ]
    (call,) = _FakeLlama.calls
    assert call["response_format"] == {
        "type": "json_object",
        "schema": draft_schema(12.0, _recipes()),
    }
    assert call["temperature"] == 0.0 and call["seed"] == 7
    assert call["max_tokens"] == max_chars(draft_schema(12.0, _recipes()))
    assert (
        call["messages"][0]["role"] == "system" and "12 seconds" in call["messages"][1]["content"]
    )
    llm_runtime.load_llama_cpp.cache_clear()


def test_the_prompts_example_answer_is_a_valid_answer_for_its_own_scene() -> None:
    from soundloom_server.engine.planners.llm import EXAMPLE
    from soundloom_server.engine.planners.llm_schema import duration_values, start_values
    from soundloom_server.engine.renderers.procedural.recipes import get_recipe

    assert EXAMPLE["environment"] in ENVIRONMENTS
    for event in EXAMPLE["events"]:
        assert get_recipe(event["recipe"]) is not None, event["recipe"]
        assert event["start_s"] in start_values(20.0)
        assert event["duration_s"] in duration_values(20.0)
        assert event["start_s"] + event["duration_s"] <= 20.0


def test_the_matcher_picks_recipes_from_the_llms_captions_and_repeats_go() -> None:
    from soundloom_server.engine.planners.llm import match_captions

    # What the 0.5B wrote for the harbour under the schema: good captions, wrong recipes, and
    # one sound repeated until the schema's event limit.
    def event(i: int, recipe: str, caption: str, kind: EventKind) -> Event:
        return Event(f"{recipe}-{i}", kind, caption, recipe, 0.0, 45.0)

    events = (
        event(0, "fire", "rain on tin roofs", EventKind.AMBIENCE),
        event(1, "fire_whoosh", "a door slams", EventKind.SFX),
        *(event(i, "fire_whoosh", "a distant thunder", EventKind.SFX) for i in range(2, 12)),
        event(12, "wood_creak", "the hull groans", EventKind.AMBIENCE),
    )
    matched, note = match_captions(events)
    assert [(e.recipe, e.kind) for e in matched] == [
        ("rain", EventKind.AMBIENCE),
        ("door", EventKind.SFX),
        ("thunder", EventKind.SFX),
        ("wood_creak", EventKind.AMBIENCE),
    ]
    assert len({e.id for e in matched}) == 4 and matched[0].loop and not matched[1].loop
    assert "recipes by the matcher from the LLM's captions for fire-0 -> rain" in note
    assert "9 repeated events dropped" in note
