"""The LLM planner: a local LLM writes the plan as JSON; the rules planner backs it up.

The model comes from `--llm PATH` or $SOUNDLOOM_LLM: a `save_pretrained` folder or a `.gguf`
file (no downloads); `llm_runtime` picks llama.cpp or transformers for it. The prompt is
AudioStory-style and short enough for small models: decompose the narrative into timed
sub-events for a scene of a given length, choosing from the recipes listed one line each.
Where the runtime can, generation is held to the bounded draft schema (`llm_schema`), so the
answer always parses; otherwise it is parsed, repaired and validated, a failure is fed back and
retried at most twice, then the rules planner takes over and the plan records why.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from soundloom_server.engine.backend import Availability
from soundloom_server.engine.plan import Event, EventKind, ScenePlan, SceneRequest, checked_request
from soundloom_server.engine.planners.llm_output import PlanParseError, parse_plan_text
from soundloom_server.engine.planners.llm_runtime import (
    LLAMA_CPP,
    LLMSource,
    RuntimeChoice,
    answer_function,
    choose_runtime,
    llm_source,
)
from soundloom_server.engine.planners.llm_schema import (
    DEFAULT_MAX_EVENTS,
    draft_schema,
    max_chars,
    recipe_lines,
    time_step,
)

MAX_RETRIES = 2
DEFAULT_MAX_NEW_TOKENS = 1536
DEFAULT_SCENE_S = 30.0
LLM_ENV = "SOUNDLOOM_LLM"

SYSTEM_PROMPT = """\
You are the sound designer of a video game. Break the scene into a timeline of sounds: ambience
beds that run for long stretches (usually from 0 s to the end) and one-shot effects at the
moments the story puts them, in story order. The scene lasts {duration} seconds; times are in
steps of {step:g} s and an event is cut at the scene's end. Per event: a short concrete caption
(what is heard, material, distance), the recipe that makes it, start_s, duration_s, and
"implied": true for a layer the place implies but the text does not name (water lapping in a
harbour). A title or a mood ("Mystery chase:", "tense") is the style, never an event. Sounds
that recur in life recur (thunder several times, footsteps in phrases). A sound no recipe fits
goes in "unmatched" in a few words. Recipes (name (kind): what it is):
{recipes}
Answer with ONE JSON object and nothing else, shaped like this answer for another scene (a
cabin in a snowstorm, 20 s):
{example}"""

# The answer's shape, shown on a scene unlike the user's: a small model that copies its example
# (the 0.5B copied a one-event "rain on the quay" example word for word into a harbour plan)
# then gives a plan that plainly does not fit, not a plausible half of one.
EXAMPLE = {
    "events": [
        {
            "caption": "wind howling round a snowed-in cabin",
            "recipe": "wind",
            "start_s": 0,
            "duration_s": 20,
            "implied": False,
        },
        {
            "caption": "a log fire crackling in the grate",
            "recipe": "fire",
            "start_s": 0,
            "duration_s": 20,
            "implied": True,
        },
        {
            "caption": "a wolf howls far off",
            "recipe": "wolf_howl",
            "start_s": 8.5,
            "duration_s": 4,
            "implied": False,
        },
    ],
    "environment": "room",
    "unmatched": [],
}

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
    """The chat the model answers: instruction, the recipes in one line each, then the scene."""
    duration = f"{duration_s:g}"
    style = f"\nStyle of every sound: {request.style}." if request.style else ""
    example = json.dumps(EXAMPLE, separators=(",", ":"))
    system = SYSTEM_PROMPT.format(
        duration=duration, step=time_step(duration_s), recipes=recipe_lines(), example=example
    )
    user = USER_PROMPT.format(description=request.description, duration=duration, style=style)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def resolve_llm_path(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The model (a folder or a .gguf): `path`, else $SOUNDLOOM_LLM, else None."""
    chosen = path or os.environ.get(LLM_ENV, "")
    return Path(chosen).expanduser() if chosen else None


def llm_runtime(path: str | os.PathLike[str] | None = None) -> tuple[LLMSource, RuntimeChoice]:
    """The model at `path` and the runtime that will run it; runtime None says why not."""
    chosen = resolve_llm_path(path)
    if chosen is None:
        return LLMSource(Path()), RuntimeChoice(
            None, f"no model: pass --llm PATH or set ${LLM_ENV}"
        )
    source = llm_source(chosen)
    if isinstance(source, str):
        return LLMSource(chosen), RuntimeChoice(None, source)
    return source, choose_runtime(source)


def llm_availability(path: str | os.PathLike[str] | None = None) -> Availability:
    """Whether the LLM planner can run and through which runtime (a folder or a .gguf)."""
    _, choice = llm_runtime(path)
    return Availability(choice.runtime is not None, choice.reason)


class LLMPlanner:
    """Plans with a local LLM held to the draft schema; falls back to the rules planner."""

    name = "llm"
    version = "2"
    lane = "neural"

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        device: str | None = None,
        max_new_tokens: int | None = None,
        max_retries: int = MAX_RETRIES,
        max_events: int = DEFAULT_MAX_EVENTS,
        constrain: bool = True,
    ) -> None:
        self.model_path = model_path
        self.device = device
        env_tokens = os.environ.get("SOUNDLOOM_LLM_MAX_TOKENS", "")
        # None: the constrained answer's own bound (it always fits), else DEFAULT_MAX_NEW_TOKENS.
        self.max_new_tokens = max_new_tokens or (int(env_tokens) if env_tokens else None)
        self.max_retries = max_retries
        self.max_events = max_events
        self.constrain = constrain

    def model_folder(self) -> Path | None:
        """The model folder or .gguf file this planner would load (for cache keys)."""
        return resolve_llm_path(self.model_path)

    def availability(self) -> Availability:
        """Whether this planner can use its model here, and through which runtime."""
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
        except Exception as exc:  # a broken model file or generate() failure must not 500
            return _fallback(request, seed, f"llm planner failed: {type(exc).__name__}: {exc}")

    def _plan_with_model(self, request: SceneRequest, duration_s: float, seed: int) -> ScenePlan:
        from soundloom_server.engine.neural import select_device

        source, choice = llm_runtime(self.model_path)
        recipes = _recipes()
        schema = draft_schema(duration_s, recipes, self.max_events)
        constrained = choice.constrained and self.constrain
        device = "cpu" if choice.runtime == LLAMA_CPP else select_device(self.device)
        answer = answer_function(source, choice, device, schema if constrained else None)
        default_tokens = max_chars(schema) if constrained else DEFAULT_MAX_NEW_TOKENS
        tokens = self.max_new_tokens or default_tokens
        messages = build_messages(request, duration_s)
        reasons: list[str] = []
        for attempt in range(1 + self.max_retries):
            text = answer(messages, tokens, seed + attempt)
            try:
                parsed = parse_plan_text(
                    text,
                    duration_s,
                    recipes,
                    _lookup_recipe,
                    request.description,
                    request.style,
                    clip_ends=constrained,
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
            repaired = tuple(f"llm output repaired: {note}" for note in parsed.repairs)
            events, decided = match_captions(parsed.plan.events)
            environment = request.environment or parsed.plan.environment
            return replace(
                parsed.plan,
                events=events,
                planner=self.name,
                warnings=(decided, *repaired),
                environment=environment,
            )
        return _fallback(
            request,
            seed,
            f"llm planner fell back to rules after {len(reasons)} attempts: {'; '.join(reasons)}",
        )


def match_captions(events: tuple[Event, ...]) -> tuple[tuple[Event, ...], str]:
    """Reason, then match: the LLM's captions and times stand; the matcher, which knows every
    recipe's words, picks each event's recipe from its caption. Where the matcher finds nothing
    in a caption, the LLM's own recipe stands. Repeats (same caption, recipe and times) go.

    Measured: the 0.5B under the schema captioned a harbour well ("a door slams", "a distant
    thunder") and chose fire and fire_whoosh for all of them; its captions carry the plan.
    Returns the events and a note of who decided what.
    """
    from soundloom_server.engine.planners.lexicon import match_recipe

    by_matcher, agreed, by_llm, kept = [], [], [], []
    seen: set[tuple[str, str, float, float]] = set()
    for event in events:
        match = match_recipe(event.caption)
        if match.confident and match.recipe.name != event.recipe:
            recipe = match.recipe
            by_matcher.append(f"{event.id} -> {recipe.name}")
            event = replace(
                event,
                recipe=recipe.name,
                kind=recipe.kind,
                params={},
                loop=recipe.kind is EventKind.AMBIENCE,
            )
        else:
            (agreed if match.confident else by_llm).append(event.id)
        key = (event.caption.strip().lower(), event.recipe, event.start_s, event.duration_s)
        if key not in seen:
            seen.add(key)
            kept.append(event)
    events_out = tuple(
        replace(e, id=f"{e.recipe.replace('_', '-')}-{i}") for i, e in enumerate(kept)
    )
    parts = [
        f"{label} {', '.join(ids)}"
        for label, ids in (
            ("recipes by the matcher from the LLM's captions for", by_matcher),
            ("the LLM's recipes, which the matcher agrees with, for", agreed),
            ("the LLM's recipes, the matcher finding nothing in the caption, for", by_llm),
        )
        if ids
    ]
    if len(kept) < len(events):
        parts.append(f"{len(events) - len(kept)} repeated events dropped")
    note = "llm planner decisions: captions and times by the LLM; " + "; ".join(parts)
    return events_out, note


def _fallback(request: SceneRequest, seed: int, reason: str) -> ScenePlan:
    from soundloom_server.engine.planners.rules import RulesPlanner

    plan = RulesPlanner().plan(request, seed)
    return replace(plan, warnings=(reason, *plan.warnings))
