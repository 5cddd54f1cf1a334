"""A dub's plan from the picture and the words: beds per place, one-shots where things move.

Consecutive shots described by the same words are one place: their bed runs on through the cuts.
Where the words change, the beds change at the cut's frame (a 20 ms crossfade, under a frame).
One-shots the words name are placed at the picture's motion onsets in order (cycling), motion
the words say nothing about gets a whoosh, and each is anchored by its own attack: the moment
its render first reaches half its peak lands on the onset's frame, so a swell starts early.
Every event's caption says what caused it and at which frame. The plan is ordinary and editable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from soundloom_server.engine.dub.picture import Picture
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.pipeline import plan_scene
from soundloom_server.engine.plan import (
    MIN_EVENT_S,
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
    SceneRequest,
)
from soundloom_server.engine.registry import get_renderer
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.procedural.recipes import get_recipe

CUT_FADE_S = 0.02  # beds cross at a cut inside one frame
PLACE_PLAN_S = 30.0
MOTION_RECIPE = "whoosh"  # movement nobody named
PEAK_SMOOTH_S = 0.005
ATTACK_FRACTION = 0.5  # of the envelope's maximum: where a sound is heard to land


@dataclass(frozen=True)
class Place:
    """Consecutive shots heard as one place: [first, end) frames and their words."""

    first: int
    end: int
    words: str
    shots: tuple[int, ...]


def places(picture: Picture, description: str, shot_words: Mapping[int, str]) -> list[Place]:
    """Shots grouped by their words (a shot without its own line takes the description)."""
    out: list[Place] = []
    for index, (lo, hi) in enumerate(picture.shots):
        words = shot_words.get(index, description).strip()
        if out and out[-1].words == words:
            last = out[-1]
            out[-1] = Place(last.first, hi, words, (*last.shots, index))
        else:
            out.append(Place(lo, hi, words, (index,)))
    return out


def plan_dub(
    picture: Picture,
    description: str,
    shot_words: Mapping[int, str],
    options: RenderOptions,
) -> ScenePlan:
    """The dub as a scene plan: beds per place, one-shots at motion onsets."""
    fps = picture.fps
    duration = picture.frames / fps
    beds: list[Event] = []
    named: dict[int, list[Event]] = {}
    environment = ""
    previous_signature: list[Any] | None = None
    previous_beds: list[int] = []
    refusals: list[tuple[Place, InvalidArgument]] = []
    for number, place in enumerate(places(picture, description, shot_words), 1):
        if not place.words:
            continue
        start, end = place.first / fps, place.end / fps
        # Planned as a scene of some length, so a place's words read as its beds, not as a
        # one-shot gust squeezed into a two-second shot; the beds are then cut to the place.
        try:
            sub = plan_scene(
                SceneRequest(place.words, duration_s=max(end - start, PLACE_PLAN_S)), options
            )
        except InvalidArgument as refusal:  # these words name no sound: the place stays quiet
            refusals.append((place, refusal))
            continue
        named[number] = [e for e in sub.events if not _is_bed(e)]
        environment = environment or sub.environment
        cause = "start" if place.first == 0 else f"cut at frame {place.first}"
        place_beds = [e for e in sub.events if _is_bed(e)]
        signature = sorted((e.recipe, sorted(e.params.items())) for e in place_beds)
        if place_beds and signature == previous_signature:
            # Other words, the same sounding place: its beds carry on through the cut.
            for i in previous_beds:
                beds[i] = _extended(beds[i], place.end / fps, duration, place.first)
            continue
        previous_signature, previous_beds = signature, []
        for event in place_beds:
            previous_beds.append(len(beds))
            beds.append(_bed(event, number, place, start, end, cause, duration))
    if refusals and not beds and not any(named.values()):
        raise refusals[0][1]  # nothing anywhere names a sound
    hits = _one_shots(picture, named, places(picture, description, shot_words), options)
    quiet = tuple(
        f"frames {p.first}-{p.end}: {p.words!r} names no sound; left without a bed"
        for p, _ in refusals
    )
    return ScenePlan(
        warnings=quiet,
        duration_s=round(duration, 6),
        events=tuple(beds + hits),
        description=description,
        environment=environment or "none",
    )


def _extended(bed: Event, end_s: float, total: float, cut: int) -> Event:
    """A bed carried on to `end_s` through the cut at frame `cut`."""
    fade_out = bed.fade_out_s if end_s >= total - 1e-9 else CUT_FADE_S
    return replace(
        bed,
        duration_s=round(end_s - bed.start_s, 6),
        fade_out_s=min(max(fade_out, CUT_FADE_S), (end_s - bed.start_s) / 2),
        caption=f"{bed.caption}; on through the cut at frame {cut}",
    )


def _is_bed(event: Event) -> bool:
    """A bed in the plan, or a sound the library only makes as a bed ("a windy pass": wind)."""
    if event.kind is EventKind.AMBIENCE:
        return True
    recipe = get_recipe(event.recipe)
    return recipe is not None and recipe.kind is EventKind.AMBIENCE


def _bed(
    event: Event, number: int, place: Place, start: float, end: float, cause: str, total: float
) -> Event:
    fade_in = event.fade_in_s if place.first == 0 else CUT_FADE_S
    fade_out = event.fade_out_s if end >= total - 1e-9 else CUT_FADE_S
    return replace(
        event,
        kind=EventKind.AMBIENCE,
        loop=True,
        id=f"place{number}-{event.id}",
        caption=f"{event.caption} ({cause}; frames {place.first}-{place.end})",
        start_s=round(start, 6),
        duration_s=round(end - start, 6),
        fade_in_s=min(fade_in, (end - start) / 2),
        fade_out_s=min(fade_out, (end - start) / 2),
    )


def _one_shots(
    picture: Picture,
    named: Mapping[int, list[Event]],
    groups: list[Place],
    options: RenderOptions,
) -> list[Event]:
    events: list[Event] = []
    used: dict[int, int] = {}
    duration = picture.frames / picture.fps
    for k, frame in enumerate(picture.onsets, 1):
        number = next(n for n, p in enumerate(groups, 1) if p.first <= frame < p.end)
        pool = named.get(number, [])
        if pool:
            template = pool[used.get(number, 0) % len(pool)]
            used[number] = used.get(number, 0) + 1
            cause = f"{template.caption}, at the motion onset of frame {frame}"
        else:
            template = Event("motion", EventKind.SFX, "movement", MOTION_RECIPE, 0.0, 0.8)
            cause = f"motion onset at frame {frame}"
        length = min(template.duration_s, duration)
        probe = replace(template, id=f"onset{k}", start_s=0.0, duration_s=length)
        start = max(picture.time_s(frame) - attack_s(probe, options), 0.0)
        length = max(min(length, duration - start), MIN_EVENT_S)
        events.append(
            replace(probe, caption=cause, start_s=round(start, 6), duration_s=round(length, 6))
        )
    return events


def attack_s(event: Event, options: RenderOptions) -> float:
    """Seconds from an event's start to its attack, from a render of it alone: the first moment
    its envelope reaches half its maximum (a hit's transient; a swell's crest, not its start;
    the first of a run of footsteps, not the loudest)."""
    renderer = get_renderer(event.renderer or options.renderer)
    ctx = RenderContext(sample_rate=options.sample_rate, seed=options.seed)
    audio = renderer.render(event, ctx).samples
    mono = np.abs(audio.mean(axis=1) if audio.ndim == 2 else audio)
    width = max(1, int(PEAK_SMOOTH_S * options.sample_rate))
    smooth = np.convolve(mono, np.ones(width) / width, mode="same")
    if not smooth.size or smooth.max() <= 0.0:
        return 0.0
    return float(np.argmax(smooth >= ATTACK_FRACTION * smooth.max())) / options.sample_rate
