"""A continuation as an ordinary plan: the clip is a `clip` event, what follows it a
`continuation` event crossfading in at the seam, and a description's sounds are planned on the
timeline after the seam. `soundloom render` renders the plan like any other.

With the `diffusion` renderer asked for, the continuation event is planned on it (Stable Audio 3
inpainting continues the clip's last seconds) with a `prompt` param saying what the clip sounds
like; the clip event stays on `clip`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from soundloom_server.engine.continuation.analysis import ClipAnalysis
from soundloom_server.engine.continuation.seam import Seam
from soundloom_server.engine.continuation.source import SourceClip
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import MAX_SCENE_S, Event, EventKind, ScenePlan, SceneRequest

MIN_CONTINUATION_S = 0.5
CLIP_ID = "input"
CONTINUATION_ID = "continuation"
NEXT_PREFIX = "next-"
# Renderers that continue a recording themselves; any other asked for leaves the continuation to
# the clip renderer's procedural one (the description's sounds still go to the one asked for).
NEURAL_CONTINUERS = ("diffusion",)
MAX_PROMPT_CHARS = 500  # the text encoders truncate far sooner; keeps a plan's param readable


@dataclass(frozen=True)
class ContinuationPlan:
    """The plan and where, in the file it renders to, the continuation takes over."""

    plan: ScenePlan
    seam_s: float  # in the rendered file's time (0 with only_new)
    seam: Seam  # in the clip's time


def check_duration(duration_s: float, seam: Seam, only_new: bool) -> None:
    """Refuse a continuation too short to cross into or too long to fit in a scene."""
    kept = 0.0 if only_new else seam.time_s
    longest = MAX_SCENE_S - kept
    if not (MIN_CONTINUATION_S <= duration_s <= longest):
        where = "" if only_new else f" (the clip up to its seam, {kept:.2f} s, comes first)"
        raise InvalidArgument(
            "duration_s",
            f"must be in [{MIN_CONTINUATION_S:g}, {longest:g}] seconds{where}, got {duration_s:g}",
        )


def continuation_plan(
    clip: SourceClip,
    path: str,
    analysis: ClipAnalysis,
    seam: Seam,
    duration_s: float,
    description: str = "",
    only_new: bool = False,
    events: bool = True,
    resembles: tuple[str, ...] = (),
    seed: int = 0,
    planner: str = "rules",
    renderer: str = "procedural",
) -> ContinuationPlan:
    """The plan of `clip` continued for `duration_s` after its seam (or only what is new);
    `renderer` is the render options' one (see `continuation_renderer`)."""
    check_duration(duration_s, seam, only_new)
    half = seam.crossfade_s / 2.0
    start = 0.0 if only_new else seam.time_s
    total = round(start + duration_s, 6)
    like = f" (sounds like {', '.join(resembles)})" if resembles else ""
    on = continuation_renderer(renderer)
    params: dict[str, str | float] = {
        "path": path,
        "sha256": clip.sha256,
        "seam_s": seam.time_s,
        "lead_s": 0.0 if only_new else half,
        "crossfade_s": seam.crossfade_s,
        "events": "reemit" if events else "none",
    }
    if on != "clip":
        params["prompt"] = continuation_prompt(clip.name, resembles, description)
    continuation = Event(
        id=CONTINUATION_ID,
        kind=EventKind.AMBIENCE,
        caption=f"continuation of {clip.name}{like}",
        recipe="continuation",
        renderer=on,
        loop=True,  # a texture: it runs on across the seam of a looped render
        start_s=0.0 if only_new else round(seam.time_s - half, 6),
        duration_s=round(duration_s if only_new else duration_s + half, 6),
        fade_in_s=0.0 if only_new else seam.crossfade_s,
        params=params,
    )
    planned: list[Event] = []
    if not only_new:
        planned.append(
            Event(
                id=CLIP_ID,
                kind=EventKind.AMBIENCE,
                caption=f"the clip {clip.name}",
                recipe="clip",
                renderer="clip",
                start_s=0.0,
                duration_s=round(seam.time_s + half, 6),
                fade_out_s=seam.crossfade_s,
                params={"path": path, "sha256": clip.sha256, "offset_s": 0.0},
            )
        )
    planned.append(continuation)
    warnings = [f"clip: {analysis.summary()}", f"seam at {seam.time_s:.3f} s of the clip"]
    if resembles:
        warnings.append(f"clip sounds most like the recipes {', '.join(resembles)}")
    unmatched: tuple[str, ...] = ()
    if description.strip():
        follow = _plan_description(description, duration_s, seed, planner)
        planned += [
            replace(e, id=f"{NEXT_PREFIX}{e.id}"[:64], start_s=round(e.start_s + start, 6))
            for e in follow.events
        ]
        warnings += list(follow.warnings)
        unmatched = follow.unmatched
    plan = ScenePlan(
        duration_s=total,
        events=tuple(planned),
        description=description.strip() or f"continuation of {clip.name}",
        planner=planner,
        warnings=tuple(warnings),
        unmatched=unmatched,
    )
    return ContinuationPlan(plan, start, seam)


def continuation_renderer(renderer: str) -> str:
    """The renderer a continuation event is planned on when `renderer` is the one asked for."""
    return renderer if renderer in NEURAL_CONTINUERS else "clip"


def continuation_prompt(name: str, resembles: tuple[str, ...], description: str = "") -> str:
    """Words for what the clip sounds like (the recipes it resembles, else its file name), then
    what the user said happens next."""
    sounds = [r.replace("_", " ") for r in resembles]
    if not sounds:
        # File names of recordings usually say what is in them ("rain_on_tin_roof.wav").
        stem = name.rsplit(".", 1)[0].replace("_", " ").replace("-", " ").strip()
        sounds = [stem or "a recording"]
    words = ", ".join(sounds)
    if description.strip():
        words = f"{words}, {' '.join(description.split())}"
    return words[:MAX_PROMPT_CHARS]


def _plan_description(description: str, duration_s: float, seed: int, planner: str) -> ScenePlan:
    """What happens next, planned as a scene of the continuation's length."""
    from soundloom_server.engine.registry import get_planner

    request = SceneRequest(description=description, duration_s=duration_s)
    return get_planner(planner).plan(request, seed=seed)
