"""The procedural renderer: recipes synthesise each event on the CPU, no weights, seeded."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import numpy as np

from soundloom_server.engine import automation
from soundloom_server.engine.audio import Clip, ClipPiece, as_channels, seconds_to_frames
from soundloom_server.engine.backend import Availability
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.loudness import momentary_max_lufs
from soundloom_server.engine.plan import Event, EventKind, ParamValue
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.procedural import dsp, segments
from soundloom_server.engine.renderers.procedural.recipes import (
    Recipe,
    SynthRequest,
    all_recipes,
    get_recipe,
)
from soundloom_server.engine.seeds import rng_for

EDGE_FADE_S = 0.004  # a few ms at clip edges so no recipe can start or stop with a click
# Default one-shots peak at this momentary loudness; default beds sit near -31 LUFS after the
# planner's bed gain, so foreground sounds land ~10 LU over the ambience before mastering.
ONE_SHOT_MOMENTARY_LUFS = -21.0
MAX_LEVEL_BOOST_DB = 18.0
MAX_LEVEL_CUT_DB = 12.0
MAX_ONE_SHOT_PEAK = 0.4  # -8 dBFS before mastering


class ProceduralRenderer:
    """Renders events with the recipe library."""

    name = "procedural"
    version = "1"
    lane = "cpu"
    batches = False
    streams = True  # long beds are rendered and mixed segment by segment

    def availability(self) -> Availability:
        """Always available: pure NumPy/SciPy."""
        return Availability(True)

    def check(self, event: Event, index: int) -> None:
        """Refuse an event whose recipe does not exist or whose params it cannot take."""
        recipe = get_recipe(event.recipe)
        if recipe is None:
            names = ", ".join(r.name for r in all_recipes())
            raise InvalidArgument(
                f"events[{index}].recipe", f"must be a known recipe ({names}), got {event.recipe!r}"
            )
        check_params(recipe, event.params, f"events[{index}].params")

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """Synthesise the event at the scene's rate, exactly its duration long."""
        pieces = list(self.render_pieces(event, ctx))
        if len(pieces) == 1:
            return Clip(event.id, pieces[0].samples, ctx.sample_rate)
        return Clip(event.id, np.concatenate([p.samples for p in pieces]), ctx.sample_rate)

    def render_pieces(self, event: Event, ctx: RenderContext) -> Iterator[ClipPiece]:
        """The event's audio in order, as one piece or, for a long bed, spliced segments.

        A distance curve renders the sound at its nearest point (the mix moves it away); an
        intensity curve blends the recipe rendered at the curve's lowest and highest intensity,
        or for a recipe without intensity, follows the curve as gain.
        """
        recipe = get_recipe(event.recipe)
        if recipe is None:
            raise InvalidArgument("recipe", f"unknown recipe {event.recipe!r}")
        frames = seconds_to_frames(event.duration_s, ctx.sample_rate)
        params = dict(event.params)
        declared = {p.name for p in recipe.params}
        if automation.nearest(event) is not None and "distance" in declared:
            params["distance"] = automation.nearest(event)
        edge = seconds_to_frames(EDGE_FADE_S, ctx.sample_rate)
        whole = (
            recipe.kind is not EventKind.AMBIENCE
            or event.automation.distance  # a travel-time delay needs the whole clip
            or not segments.needs_segments(frames, ctx.sample_rate)
        )
        if whole:
            audio = _render_span(recipe, params, event, ctx, frames, 0, frames, event.id)
            _edge_fade(audio, edge, head=True, tail=True)
            yield ClipPiece(0, audio)
            return

        def render_segment(index: int, lo: int, length: int) -> np.ndarray:
            key = event.id if index == 0 else f"{event.id}/segment-{index}"
            return _render_span(recipe, params, event, ctx, frames, lo, length, key)

        for piece in segments.spliced_pieces(render_segment, frames, ctx.sample_rate):
            end = piece.offset + piece.samples.shape[0]
            _edge_fade(piece.samples, edge, head=piece.offset == 0, tail=end >= frames)
            yield piece


def _render_span(
    recipe: Recipe,
    params: dict[str, ParamValue],
    event: Event,
    ctx: RenderContext,
    frames: int,
    lo: int,
    length: int,
    key: str,
) -> np.ndarray:
    """`length` frames of the event from frame `lo` (seeded by `key`), automation applied."""
    points = event.automation.intensity
    declared = {p.name for p in recipe.params}
    if points and "intensity" in declared:
        values = [p.value for p in points]
        low, high = min(values), max(values)
        audio = _synth(recipe, {**params, "intensity": low}, ctx, length, key)
        if high - low > 1e-6:
            loud = _synth(recipe, {**params, "intensity": high}, ctx, length, key)
            weight = (automation.curve(points, frames, lo, lo + length) - low) / (high - low)
            audio = automation.equal_power_blend(audio, loud, weight)
        return audio
    audio = _synth(recipe, params, ctx, length, key)
    if points:
        gain = automation.intensity_gain(event, frames, lo, lo + length)
        audio *= gain[:, None].astype(np.float32)
    return audio


def _synth(
    recipe: Recipe, params: dict[str, ParamValue], ctx: RenderContext, frames: int, key: str
) -> np.ndarray:
    """One render of the recipe: fitted to length, one-shots levelled, never non-finite."""
    request = SynthRequest(
        frames=frames,
        sample_rate=ctx.sample_rate,
        rng=rng_for(ctx.seed, key),
        params=recipe.resolve_params(params),
    )
    audio = as_channels(recipe.synth(request), 2)
    audio = _fit(audio, frames)
    if recipe.kind is EventKind.SFX:
        audio *= np.float32(10.0 ** (one_shot_level_db(audio, ctx.sample_rate) / 20.0))
    if not np.isfinite(audio).all():  # one cheap pass; repair only a broken recipe's output
        np.nan_to_num(audio, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return audio


def check_params(recipe: Recipe, params: Mapping[str, ParamValue], path: str) -> None:
    """Refuse a param the recipe does not declare, or a word outside its choices, naming both
    the param and what is allowed (numbers are clamped into range when rendered)."""
    specs = {p.name: p for p in recipe.params}
    for key, value in params.items():
        spec = specs.get(key)
        if spec is None:
            allowed = ", ".join(specs) or "none"
            raise InvalidArgument(
                f"{path}.{key}", f"is not a parameter of {recipe.name} (its parameters: {allowed})"
            )
        if spec.choices and value not in spec.choices:
            raise InvalidArgument(
                f"{path}.{key}",
                f"must be one of {', '.join(spec.choices)} for {recipe.name}, got {value!r}",
            )
        if not spec.choices and isinstance(value, str):
            raise InvalidArgument(
                f"{path}.{key}",
                f"must be a number in [{spec.low:g}, {spec.high:g}] for {recipe.name}, "
                f"got {value!r}",
            )


def one_shot_level_db(audio: np.ndarray, sample_rate: int) -> float:
    """Gain that sets a one-shot's loudest moment by loudness instead of by its peak.

    Recipes calibrate one-shots by peak (intensity and distance move it), but a glass shatter's
    energy is sparse and a door thump's dense: at the same peak one sounds 10 LU quieter. Shifting
    by the clip's peak-to-loudness shape (a level-free number) keeps the recipe's intensity and
    distance offsets and puts every default one-shot's loudest 400 ms at the same loudness.
    """
    peak = float(np.abs(audio).max(initial=0.0))
    loudest = momentary_max_lufs(audio, sample_rate)
    if peak <= 0.0 or not math.isfinite(loudest):
        return 0.0
    shape_db = loudest - 20.0 * math.log10(peak)
    reference_peak_db = 20.0 * math.log10(dsp.oneshot_peak(0.5, dsp.DISTANCE.default))
    gain = ONE_SHOT_MOMENTARY_LUFS - reference_peak_db - shape_db
    # Sharp, sparse sounds (footsteps) would need their peaks pushed into the master's limiter:
    # stop where the peak reaches MAX_ONE_SHOT_PEAK and let them sit a little lower instead.
    headroom = 20.0 * math.log10(MAX_ONE_SHOT_PEAK / peak)
    return min(max(gain, -MAX_LEVEL_CUT_DB), MAX_LEVEL_BOOST_DB, max(headroom, 0.0))


def _fit(audio: np.ndarray, frames: int) -> np.ndarray:
    if audio.shape[0] >= frames:
        return np.ascontiguousarray(audio[:frames], dtype=np.float32)
    padded = np.zeros((frames, audio.shape[1]), dtype=np.float32)
    padded[: audio.shape[0]] = audio
    return padded


def _edge_fade(audio: np.ndarray, n: int, head: bool, tail: bool) -> None:
    n = min(n, audio.shape[0] // 2)
    if n <= 0:
        return
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    if head:
        audio[:n] *= ramp
    if tail:
        audio[-n:] *= ramp[::-1]
