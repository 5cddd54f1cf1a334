"""The clip renderer: events made from a recording — the recording itself (`clip`) and its
continuation (`continuation`) — so a continued clip is an ordinary plan that renders like any.

A plan names its recording by path and sha256; the file is read at render time and refused if
it has changed. Params of `clip`: path, sha256, offset_s (where in the file the event starts).
Params of `continuation`: path, sha256, seam_s (where in the file the continuation takes over),
lead_s (how long before the seam the event starts: the crossfade's first half, or 0),
crossfade_s, events (`reemit` the clip's transients, or `none`), and optionally prompt (what
the clip sounds like, in words: the diffusion renderer's text condition; unused here, so a plan
moved between the two renderers by its `renderer` field stays valid).
The diffusion renderer checks its `continuation` events with `check_params` too.
"""

from __future__ import annotations

import math
import re

import numpy as np

from soundloom_server.engine.audio import Clip, seconds_to_frames
from soundloom_server.engine.backend import Availability
from soundloom_server.engine.continuation.planning import MAX_PROMPT_CHARS
from soundloom_server.engine.continuation.source import MAX_CLIP_S, clip_at_rate
from soundloom_server.engine.continuation.synthesis import render_continuation
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import Event
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.seeds import rng_for

NAME = "clip"
RECIPES = ("clip", "continuation")
EVENT_CHOICES = ("reemit", "none")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NUMBERS = {
    "clip": {"offset_s": (0.0, MAX_CLIP_S)},
    "continuation": {
        "seam_s": (0.0, MAX_CLIP_S),
        "lead_s": (0.0, 5.0),
        "crossfade_s": (0.0, 5.0),
    },
}


class ClipRenderer:
    """Renders `clip` and `continuation` events from the recording their params name."""

    name = NAME
    version = "1"
    lane = "cpu"
    batches = False
    streams = False

    def availability(self) -> Availability:
        """Always available: NumPy/SciPy and libsndfile."""
        return Availability(True)

    def check(self, event: Event, index: int) -> None:
        """Refuse an unknown recipe, a missing or mistyped param, or a file that is not there."""
        where = f"events[{index}]"
        if event.recipe not in RECIPES:
            raise InvalidArgument(
                f"{where}.recipe",
                f"must be one of {', '.join(RECIPES)} for the clip renderer, got {event.recipe!r}",
            )
        check_params(event, index)

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """The recording (from offset_s) or its continuation, exactly the event's length."""
        frames = seconds_to_frames(event.duration_s, ctx.sample_rate)
        field = f"events[{event.id}].params.path"
        source = clip_at_rate(
            str(event.params["path"]), str(event.params.get("sha256", "")), ctx.sample_rate, field
        )
        if event.recipe == "clip":
            start = seconds_to_frames(float(event.params.get("offset_s", 0.0)), ctx.sample_rate)
            audio = np.zeros((frames, source.channels), dtype=np.float32)
            part = source.samples[start : start + frames]
            audio[: part.shape[0]] = part
            return Clip(event.id, audio, ctx.sample_rate)
        seam_s = min(float(event.params.get("seam_s", source.duration_s)), source.duration_s)
        audio = render_continuation(
            source.samples,
            ctx.sample_rate,
            seam_s=seam_s,
            lead_s=float(event.params.get("lead_s", 0.0)),
            crossfade_s=float(event.params.get("crossfade_s", 0.0)),
            length=frames,
            rng=rng_for(ctx.seed, event.id),
            events=event.params.get("events", "reemit") == "reemit",
        )
        return Clip(event.id, audio, ctx.sample_rate)


def check_params(event: Event, index: int) -> None:
    """Refuse a `clip`/`continuation` event's missing, unknown or out-of-range param."""
    where = f"events[{index}]"
    params = event.params
    allowed = {"path", "sha256", *_NUMBERS[event.recipe]}
    if event.recipe == "continuation":
        allowed |= {"events", "prompt"}
    for key in params:
        if key not in allowed:
            raise InvalidArgument(
                f"{where}.params.{key}",
                f"is not a parameter of {event.recipe} (its parameters: "
                f"{', '.join(sorted(allowed))})",
            )
    path = params.get("path")
    if not isinstance(path, str) or not path.strip():
        raise InvalidArgument(f"{where}.params.path", "must name the recording (a file path)")
    digest = params.get("sha256", "")
    if not isinstance(digest, str) or (digest and not SHA256.match(digest)):
        raise InvalidArgument(
            f"{where}.params.sha256", "must be the file's sha256 (64 hex digits) or empty"
        )
    for key, (low, high) in _NUMBERS[event.recipe].items():
        value = params.get(key, 0.0)
        if isinstance(value, str) or not (math.isfinite(value) and low <= value <= high):
            raise InvalidArgument(
                f"{where}.params.{key}",
                f"must be a number in [{low:g}, {high:g}], got {value!r}",
            )
    if params.get("events", "reemit") not in EVENT_CHOICES:
        raise InvalidArgument(
            f"{where}.params.events",
            f"must be one of {', '.join(EVENT_CHOICES)}, got {params.get('events')!r}",
        )
    prompt = params.get("prompt", "")
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidArgument(
            f"{where}.params.prompt", f"must be words, at most {MAX_PROMPT_CHARS} characters"
        )
