"""The LLM planner: a local causal LM writes the plan as JSON; the rules planner backs it up.

The model comes from `--llm PATH` or $SOUNDLOOM_LLM (a `save_pretrained` folder; no downloads).
The prompt is AudioStory-style: decompose the narrative into timed sub-events for a scene of a
given total length, answering with one JSON object that follows the plan's JSON Schema and uses
only the listed recipes. The answer is parsed, repaired and validated; a failure is fed back and
retried at most twice, then the rules planner takes over and the plan records why.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from soundloom_server.engine.backend import Availability
from soundloom_server.engine.plan import (
    EventKind,
    ScenePlan,
    SceneRequest,
    checked_request,
    plan_json_schema,
)
from soundloom_server.engine.planners.llm_output import PlanParseError, parse_plan_text

MAX_RETRIES = 2
DEFAULT_MAX_NEW_TOKENS = 1536
DEFAULT_SCENE_S = 30.0
LLM_ENV = "SOUNDLOOM_LLM"

SYSTEM_PROMPT = """\
You are the sound designer of a video game. Decompose the scene the user describes into a
timeline of audio events, as a film sound editor would: ambience beds that run for long stretches
(kind "ambience", usually from 0 s to the end, loop true) and one-shot sound effects at the
moments the story puts them (kind "sfx"), in narrative order. The whole scene lasts exactly
{duration} seconds: every event must start at or after 0 and end by {duration}. Write a short,
concrete caption per event (what is heard, material, distance). A title or a mood ("Mystery
chase:", "tense") sets the style, never an event. A source made of parts (a fire truck: an engine
and a siren) is one event per part sharing one "group" id, start, pan and motion. Actions are
"automation" curves over the event's time (t from 0 to 1): "drives away" is distance rising
towards 1, "approaches" distance falling towards 0, "the rain grows heavier" intensity rising;
gain_db and pan curves too. Sounds that recur in life recur (thunder several times at different
distances, footsteps in phrases with pauses). Layers the place implies but the text does not
name (water lapping in a harbour) get "implied": true. A sound no recipe fits is left out and its
words listed in "unmatched". Choose each event's recipe from this list only (name - kind - what
it makes):
{recipes}
Answer with ONE JSON object and nothing else, following this JSON Schema:
{schema}"""

USER_PROMPT = """\
Scene: {description}
Total duration: {duration} seconds.{style}
Return the plan JSON now."""

RETRY_PROMPT = """\
That answer was not a usable plan: {reason}. Answer again with only the JSON object, \
{duration} seconds long, using only the listed recipes."""


def _recipes() -> dict[str, EventKind]:
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    return {r.name: r.kind for r in all_recipes()}


def _recipe_lines() -> str:
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    return "\n".join(f"- {r.name} - {r.kind.value} - {r.description}" for r in all_recipes())


def _lookup_recipe(caption: str, recipe: str) -> str | None:
    """Map an unknown recipe name to a real one when the caption clearly names it."""
    from soundloom_server.engine.planners.lexicon import match_recipe

    match = match_recipe(f"{recipe.replace('_', ' ')} {caption}")
    return match.recipe.name if match.confident else None


def scene_duration(request: SceneRequest) -> float:
    """The scene length: asked for, else stated in the text, else 30 s (as the rules planner)."""
    from soundloom_server.engine.planners.clauses import split_clauses

    stated = request.duration_s or split_clauses(request.description)[1] or DEFAULT_SCENE_S
    return float(min(max(stated, 0.1), 600.0))


def build_messages(request: SceneRequest, duration_s: float) -> list[dict[str, str]]:
    """The chat the model answers: instruction, schema and recipes, then the scene."""
    schema = json.dumps(plan_json_schema(), separators=(",", ":"))
    duration = f"{duration_s:g}"
    style = f"\nStyle of every sound: {request.style}." if request.style else ""
    return [
        {
            "role": "system",
            "content": SYSTEM_PROMPT.format(
                duration=duration, recipes=_recipe_lines(), schema=schema
            ),
        },
        {
            "role": "user",
            "content": USER_PROMPT.format(
                description=request.description, duration=duration, style=style
            ),
        },
    ]


def resolve_llm_path(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The model folder: `path`, else $SOUNDLOOM_LLM, else None."""
    chosen = path or os.environ.get(LLM_ENV, "")
    return Path(chosen).expanduser() if chosen else None


def llm_availability(path: str | os.PathLike[str] | None = None) -> Availability:
    """Whether the LLM planner can run: packages installed and a model folder present."""
    from soundloom_server.engine.neural import install_hint, missing_packages

    missing = missing_packages(("torch", "transformers"))
    if missing:
        return Availability(False, install_hint(missing))
    folder = resolve_llm_path(path)
    if folder is None:
        return Availability(False, f"no model: pass --llm PATH or set ${LLM_ENV}")
    if not (folder / "config.json").is_file():
        return Availability(False, f"no weights at {folder} (expected a save_pretrained folder)")
    return Availability(True)


@functools.lru_cache(maxsize=2)
def _load(path: str, device: str) -> tuple[Any, Any]:
    """Tokenizer and model, loaded once per (path, device)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from soundloom_server.engine.neural import select_dtype, transformers_dtype_kwargs

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(
        path, **transformers_dtype_kwargs(select_dtype(device))
    )
    model.to(device).eval()
    return tokenizer, model


def _chat_text(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    # A model without a chat template still gets a readable prompt rather than a crash.
    return (
        "\n\n".join(f"{m['role'].upper()}:\n{m['content']}" for m in messages) + "\n\nASSISTANT:\n"
    )


class LLMPlanner:
    """Plans with a local causal LM; falls back to the rules planner after repeated failures."""

    name = "llm"
    version = "1"
    lane = "neural"

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        device: str | None = None,
        max_new_tokens: int | None = None,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.model_path = model_path
        self.device = device
        env_tokens = os.environ.get("SOUNDLOOM_LLM_MAX_TOKENS", "")
        self.max_new_tokens = max_new_tokens or int(env_tokens or DEFAULT_MAX_NEW_TOKENS)
        self.max_retries = max_retries

    def model_folder(self) -> Path | None:
        """The model folder this planner would load (for cache keys)."""
        return resolve_llm_path(self.model_path)

    def availability(self) -> Availability:
        """Whether this planner can use its model here."""
        return llm_availability(self.model_path)

    def plan(self, request: SceneRequest, seed: int = 0) -> ScenePlan:
        """A plan written by the model, or the rules planner's plan with the reason recorded."""
        checked_request(request)
        available = self.availability()
        if not available.available:
            return _fallback(request, seed, f"llm planner unavailable: {available.reason}")
        duration_s = scene_duration(request)
        try:
            return self._plan_with_model(request, duration_s, seed)
        except Exception as exc:  # a broken model folder or generate() failure must not 500
            return _fallback(request, seed, f"llm planner failed: {type(exc).__name__}: {exc}")

    def _plan_with_model(self, request: SceneRequest, duration_s: float, seed: int) -> ScenePlan:
        from soundloom_server.engine.neural import select_device

        device = select_device(self.device)
        folder = resolve_llm_path(self.model_path)
        assert folder is not None  # availability() checked it
        tokenizer, model = _load(str(folder), device)
        messages = build_messages(request, duration_s)
        recipes = _recipes()
        reasons: list[str] = []
        for attempt in range(1 + self.max_retries):
            text = _generate(
                tokenizer, model, device, messages, self.max_new_tokens, seed + attempt
            )
            try:
                parsed = parse_plan_text(
                    text, duration_s, recipes, _lookup_recipe, request.description, request.style
                )
            except PlanParseError as exc:
                reasons.append(exc.reason)
                # The failed answer and why it failed go back to the model for the retry.
                retry = RETRY_PROMPT.format(reason=exc.reason, duration=f"{duration_s:g}")
                messages = [
                    *messages,
                    {"role": "assistant", "content": text[:2000]},
                    {"role": "user", "content": retry},
                ]
                continue
            notes = tuple(f"llm output repaired: {note}" for note in parsed.repairs)
            environment = request.environment or parsed.plan.environment
            return replace(parsed.plan, planner=self.name, warnings=notes, environment=environment)
        return _fallback(
            request,
            seed,
            f"llm planner fell back to rules after {len(reasons)} attempts: {'; '.join(reasons)}",
        )


def _generate(
    tokenizer: Any,
    model: Any,
    device: str,
    messages: list[dict[str, str]],
    max_new_tokens: int,
    seed: int,
) -> str:
    import torch

    prompt = _chat_text(tokenizer, messages)
    inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(device)
    limit = getattr(model.config, "max_position_embeddings", None)
    length = int(inputs["input_ids"].shape[1])
    if limit is not None and length + 16 > limit:
        raise ValueError(f"prompt of {length} tokens does not fit the context of {limit}")
    new_tokens = max_new_tokens if limit is None else min(max_new_tokens, limit - length)
    torch.manual_seed(seed)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            do_sample=False,  # greedy: the same request plans the same way
            pad_token_id=pad,
        )
    return tokenizer.decode(output[0, length:], skip_special_tokens=True)


def _fallback(request: SceneRequest, seed: int, reason: str) -> ScenePlan:
    from soundloom_server.engine.planners.rules import RulesPlanner

    plan = RulesPlanner().plan(request, seed)
    return replace(plan, warnings=(reason, *plan.warnings))
