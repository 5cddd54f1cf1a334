"""Continue a clip: read and check it, analyse it, plan the continuation, render the plan."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from soundloom_server.engine.audio import Marker, seconds_to_frames
from soundloom_server.engine.continuation.analysis import (
    ClipAnalysis,
    analyse_clip,
    split_bed_events,
)
from soundloom_server.engine.continuation.planning import ContinuationPlan, continuation_plan
from soundloom_server.engine.continuation.resemblance import resembling
from soundloom_server.engine.continuation.seam import choose_seam
from soundloom_server.engine.continuation.source import SourceClip, read_clip
from soundloom_server.engine.pipeline import MasteredScene
from soundloom_server.engine.plan import SAMPLE_RATES, RenderOptions, validate_options

SEAM_LABEL = "seam: the continuation takes over"
LOUDEST_TARGET, QUIETEST_TARGET = -6.0, -40.0


@dataclass(frozen=True)
class ContinueRequest:
    """What to continue and how: the clip's path, the new part's length, what happens next."""

    clip: str
    duration_s: float
    description: str = ""
    only_new: bool = False
    events: bool = True
    name: str = ""  # how captions name the clip; empty = its file name


@dataclass(frozen=True)
class PreparedContinuation:
    """A checked clip, what it is like, and its continuation plan."""

    clip: SourceClip
    analysis: ClipAnalysis
    planned: ContinuationPlan


def prepare(
    request: ContinueRequest, seed: int = 0, planner: str = "rules", renderer: str = "procedural"
) -> PreparedContinuation:
    """Read, check and analyse the clip, pick the seam and plan the continuation (on the
    `diffusion` renderer when that is the `renderer` asked for, else on `clip`)."""
    clip = read_clip(request.clip)
    if request.name:
        clip = replace(clip, name=request.name)
    # One STFT of the clip serves the analysis, the seam and the resemblance.
    split = split_bed_events(clip.samples, clip.sample_rate)
    analysis = analyse_clip(clip.samples, clip.sample_rate, split)
    seam = choose_seam(clip.samples, clip.sample_rate, split.mono_log_mel)
    resembles = resembling(clip.samples, clip.sample_rate, logmel=split.mono_log_mel)
    planned = continuation_plan(
        clip,
        str(Path(request.clip).resolve()),
        analysis,
        seam,
        request.duration_s,
        description=request.description,
        only_new=request.only_new,
        events=request.events,
        resembles=resembles,
        seed=seed,
        planner=planner,
        renderer=renderer,
    )
    return PreparedContinuation(clip, analysis, planned)


def input_loudness_target(prepared: PreparedContinuation) -> str:
    """The loudness target that leaves the clip as it is (mastering gain ~0 dB).

    The continuation is made at the level of the clip's last seconds, so the result's loudness
    is the clip's and theirs, weighted by how long each plays (only the new part: theirs).
    Clamped to [-40, -6] LUFS.
    """
    analysis = prepared.analysis
    planned = prepared.planned
    new_s = planned.plan.duration_s - planned.seam_s
    kept_s = planned.seam_s
    parts = [(kept_s, analysis.integrated_lufs), (new_s, analysis.recent_lufs)]
    energy = sum(t * 10.0 ** (lufs / 10.0) for t, lufs in parts if math.isfinite(lufs))
    seconds = sum(t for t, lufs in parts if math.isfinite(lufs))
    if energy <= 0.0 or seconds <= 0.0:
        return str(QUIETEST_TARGET)
    level = 10.0 * math.log10(energy / seconds)
    return f"{min(max(level, QUIETEST_TARGET), LOUDEST_TARGET):.2f}"


def default_options(prepared: PreparedContinuation, **overrides: object) -> RenderOptions:
    """Options that keep the clip as it is: its rate (when a supported one), its channels, its
    level (see input_loudness_target); any given override wins."""
    clip = prepared.clip
    base = RenderOptions(
        sample_rate=clip.sample_rate if clip.sample_rate in SAMPLE_RATES else 48000,
        channels=clip.channels,
        loudness=input_loudness_target(prepared),
        format="wav",
    )
    given = {k: v for k, v in overrides.items() if v is not None}
    return validate_options(replace(base, **given))


def mark_seam(scene: MasteredScene, seam_s: float) -> MasteredScene:
    """The scene with a marker at the seam (in the file's time, after any loop rotation)."""
    at = seam_s - scene.loop_offset_s
    if at < 0.0:
        at += scene.frames / scene.sample_rate
    frame = min(seconds_to_frames(at, scene.sample_rate), max(scene.frames - 1, 0))
    marker = Marker(frame, SEAM_LABEL)
    markers = tuple(sorted((*scene.markers, marker), key=lambda m: m.frame))
    return replace(scene, markers=markers)
