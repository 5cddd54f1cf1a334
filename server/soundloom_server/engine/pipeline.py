"""The flow in one direction: request -> plan -> render -> mix -> master (-> package).

Each step is a plain function; `render_scene` stops at mastered audio in memory so that the
server, the SDK and the CLI can package it however they deliver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from soundloom_server.engine.audio import Clip, LoopPoints, Marker, seconds_to_frames
from soundloom_server.engine.cancellation import cancel_scope
from soundloom_server.engine.errors import Cancelled
from soundloom_server.engine.loop import level_matched_start, loop_tail_frames, make_loop
from soundloom_server.engine.loudness_report import LoudnessReport
from soundloom_server.engine.master import master_in_place
from soundloom_server.engine.mix import MixBus, finish_mix, new_bus, place_clip, place_piece
from soundloom_server.engine.plan import (
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    checked_options,
    checked_plan,
)
from soundloom_server.engine.registry import get_planner, get_renderer
from soundloom_server.engine.render_ahead import in_order, render_threads
from soundloom_server.engine.renderers.base import RenderContext

ProgressFn = Callable[[str, float], None]
MAX_LOOP_SHIFT_S = 2.0
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class MasteredScene:
    """A scene's final audio in memory, with what the packager needs to describe it."""

    plan: ScenePlan
    audio: np.ndarray
    sample_rate: int
    report: LoudnessReport
    stems: dict[str, np.ndarray]
    loop: LoopPoints | None
    markers: tuple[Marker, ...]
    # A loop's file starts this far into the render (level-matched seam); plan and markers are
    # already shifted onto the file's own times.
    loop_offset_s: float = 0.0

    @property
    def frames(self) -> int:
        """Length in sample frames."""
        return int(self.audio.shape[0])


def _no_progress(stage: str, fraction: float) -> None:
    return None


def plan_scene(request: SceneRequest, options: RenderOptions) -> ScenePlan:
    """Plan a described scene with the options' planner; raw options are validated first."""
    checked_options(options)
    return get_planner(options.planner).plan(request, seed=options.seed)


def render_scene(
    plan: ScenePlan,
    options: RenderOptions,
    progress: ProgressFn = _no_progress,
    cancelled: CancelFn | None = None,
) -> MasteredScene:
    """Render every event, mix, (loop) and master: the scene as final audio in memory."""
    with cancel_scope(cancelled):
        return _render_scene(plan, options, progress, cancelled)


def _render_scene(
    plan: ScenePlan, options: RenderOptions, progress: ProgressFn, cancelled: CancelFn | None
) -> MasteredScene:
    # What a boundary (or the engine's own planner) checked is trusted; a plan or options
    # handed in raw (a dub's or continuation's plan, a test's) are checked here.
    checked_plan(plan)
    checked_options(options)
    _check_backends(plan, options)
    sr = options.sample_rate
    frames = seconds_to_frames(plan.duration_s, sr)
    work = (
        _extend_for_loop(plan, loop_tail_frames(sr, plan.duration_s) / sr) if options.loop else plan
    )
    bus = new_bus(work, sr, options.channels)
    _render_events(work, options, bus, progress, cancelled)
    progress("mix", 0.0)
    mixed = finish_mix(bus, options.seed, stems=options.stems)
    del bus
    audio, stems = mixed.mix, dict(mixed.stems)
    loop_offset_s = 0.0
    if options.loop:
        audio = make_loop(audio, frames)
        stems = {name: make_loop(stem, frames) for name, stem in stems.items()}
        shift = level_matched_start(audio, sr, _max_loop_shift(plan, sr))
        audio, stems = (
            np.roll(audio, -shift, axis=0),
            {k: np.roll(v, -shift, axis=0) for k, v in stems.items()},
        )
        plan = _rotate_plan(plan, shift / sr)
        loop_offset_s = shift / sr
    audio, stems = _fit_frames(audio, frames), {k: _fit_frames(v, frames) for k, v in stems.items()}
    progress("master", 0.0)
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    report = master_in_place(
        audio, sr, options.target_lufs, options.true_peak_db, circular=options.loop
    )
    stems = _master_stems(stems, report, options) if options.stems else {}
    markers = tuple(
        Marker(
            seconds_to_frames(e.start_s, sr),
            f"{e.id}: {e.caption}"[:200],
            seconds_to_frames(e.duration_s, sr),
        )
        for e in plan.events
    )
    loop = LoopPoints(0, frames) if options.loop else None
    progress("master", 1.0)
    return MasteredScene(plan, audio, sr, report, stems, loop, markers, loop_offset_s)


def _check_backends(plan: ScenePlan, options: RenderOptions) -> None:
    for index, event in enumerate(plan.events):
        get_renderer(event.renderer or options.renderer).check(event, index)


def _render_events(
    plan: ScenePlan,
    options: RenderOptions,
    bus: MixBus,
    progress: ProgressFn,
    cancelled: CancelFn | None,
) -> None:
    """Render every event straight onto the bus, piece by piece, so no clip outlives its mix.

    A renderer that batches gets all its events at once (one model call); one that streams
    hands its clips over piece by piece.
    """
    ctx = RenderContext(sample_rate=options.sample_rate, seed=options.seed, style=plan.style)
    groups: dict[str, list[tuple[int, Event]]] = {}
    for index, event in enumerate(plan.events):
        groups.setdefault(event.renderer or options.renderer, []).append((index, event))
    total = max(len(plan.events), 1)
    done = 0
    for name, items in groups.items():
        renderer = get_renderer(name)
        if cancelled is not None and cancelled():
            raise Cancelled("rendering was cancelled")
        if renderer.batches:  # neural backends: one model call for many events
            base, count = done, len(items)

            def batch_progress(fraction: float, base: int = base, count: int = count) -> None:
                progress("render", (base + fraction * count) / total)

            where = {event.id: index for index, event in items}
            batch = [(event, ctx) for _, event in items]
            for clip in renderer.render_batch(batch, batch_progress, cancelled):
                place_clip(bus, where[clip.event_id], clip)
            done += count
            continue
        jobs = [(index, _pieces(renderer, event, ctx)) for index, event in items]
        first, current = done, -1
        for index, piece in in_order(jobs, render_threads(), cancelled):
            if cancelled is not None and cancelled():
                raise Cancelled("rendering was cancelled")
            if index != current:  # the next event's first piece: the one before is mixed
                done += current >= 0
                current = index
                progress("render", done / total)
            if isinstance(piece, Clip):
                place_clip(bus, index, piece)
            else:
                place_piece(bus, index, piece)
        done = first + len(items)
    progress("render", 1.0)


def _pieces(renderer: Any, event: Event, ctx: RenderContext) -> Callable[[], Iterable[Any]]:
    """What renders one event: its pieces when the renderer streams, else its one clip."""
    if renderer.streams:
        return lambda: renderer.render_pieces(event, ctx)
    return lambda: (renderer.render(event, ctx),)


def _extend_for_loop(plan: ScenePlan, tail_s: float) -> ScenePlan:
    """Looping layers (`event.loop`: the planners' beds) that reach the end run on past it, so
    the tail can be crossfaded over the head; a layer with `loop` off stops at the end."""
    end = plan.duration_s
    events = []
    for event in plan.events:
        if event.loop and event.end_s >= end - 1e-6:
            fade_in = 0.0 if event.start_s == 0.0 else event.fade_in_s
            event = replace(
                event, duration_s=event.duration_s + tail_s, fade_in_s=fade_in, fade_out_s=0.0
            )
        events.append(event)
    return replace(plan, duration_s=end + tail_s, events=tuple(events))


def _max_loop_shift(plan: ScenePlan, sample_rate: int) -> int:
    """How far a loop may start late: up to 2 s, 5 %, and never past a one-shot's start."""
    limit = min(MAX_LOOP_SHIFT_S, 0.05 * plan.duration_s)
    for event in plan.events:
        if event.kind is EventKind.SFX:
            limit = min(limit, event.start_s)
    return int(limit * sample_rate)


def _rotate_plan(plan: ScenePlan, shift_s: float) -> ScenePlan:
    """The plan's timeline after the loop starts `shift_s` later (one-shots never wrap)."""
    if shift_s <= 0.0:
        return plan
    events = []
    for event in plan.events:
        if not (event.start_s == 0.0 and event.end_s >= plan.duration_s - 1e-6):
            start = max(event.start_s - shift_s, 0.0)
            cut = max(shift_s - event.start_s, 0.0)  # a bed's head that wrapped to the end
            if cut >= event.duration_s:  # a short bed wholly before the new start: now at the end
                start, cut = event.start_s - shift_s + plan.duration_s, 0.0
            event = replace(event, start_s=round(start, 6), duration_s=event.duration_s - cut)
        events.append(event)
    note = f"loop: starts {shift_s:.3f} s into the render so the level matches across the seam"
    return replace(plan, events=tuple(events), warnings=(*plan.warnings, note))


def _fit_frames(audio: np.ndarray, frames: int) -> np.ndarray:
    if audio.shape[0] == frames:
        return audio
    fitted = np.zeros((frames, audio.shape[1]), dtype=np.float32)
    fitted[: min(frames, audio.shape[0])] = audio[:frames]
    return fitted


def _master_stems(
    stems: dict[str, np.ndarray], report: LoudnessReport, options: RenderOptions
) -> dict[str, np.ndarray]:
    """Stems get the mix's gain, so they line up with it, then their own peak safety."""
    from soundloom_server.engine.master import apply_gain_db, limit_true_peak

    out = {}
    for name, stem in stems.items():
        gained = apply_gain_db(stem, report.gain_db)
        out[name] = limit_true_peak(
            gained, options.sample_rate, options.true_peak_db, circular=options.loop
        )
    return out


def generate_scene(
    source: SceneRequest | ScenePlan,
    options: RenderOptions,
    progress: ProgressFn = _no_progress,
    cancelled: CancelFn | None = None,
) -> MasteredScene:
    """Plan (when given words) and render a scene to mastered audio."""
    progress("plan", 0.0)
    plan = source if isinstance(source, ScenePlan) else plan_scene(source, options)
    progress("plan", 1.0)
    return render_scene(plan, options, progress, cancelled)
