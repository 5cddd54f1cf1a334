"""The procedural renderer: recipes synthesise each event on the CPU, no weights, seeded."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.audio import Clip, as_channels, seconds_to_frames
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import Event
from soundloom_server.engine.renderers import Availability, RenderContext, register_renderer
from soundloom_server.engine.renderers.procedural.recipes import (
    SynthRequest,
    all_recipes,
    get_recipe,
)
from soundloom_server.engine.seeds import rng_for

EDGE_FADE_S = 0.004  # a few ms at clip edges so no recipe can start or stop with a click


class ProceduralRenderer:
    """Renders events with the recipe library."""

    name = "procedural"

    def availability(self) -> Availability:
        """Always available: pure NumPy/SciPy."""
        return Availability(True)

    def check(self, event: Event, index: int) -> None:
        """Refuse an event whose recipe does not exist."""
        if get_recipe(event.recipe) is None:
            names = ", ".join(r.name for r in all_recipes())
            raise InvalidArgument(
                f"events[{index}].recipe", f"must be a known recipe ({names}), got {event.recipe!r}"
            )

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """Synthesise the event at the scene's rate, exactly its duration long."""
        recipe = get_recipe(event.recipe)
        if recipe is None:
            raise InvalidArgument("recipe", f"unknown recipe {event.recipe!r}")
        frames = seconds_to_frames(event.duration_s, ctx.sample_rate)
        request = SynthRequest(
            frames=frames,
            sample_rate=ctx.sample_rate,
            rng=rng_for(ctx.seed, event.id),
            params=recipe.resolve_params(event.params),
        )
        audio = as_channels(recipe.synth(request), 2)
        audio = _fit(audio, frames)
        if not np.isfinite(audio).all():  # one cheap pass; repair only a broken recipe's output
            np.nan_to_num(audio, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        _edge_fade(audio, seconds_to_frames(EDGE_FADE_S, ctx.sample_rate))
        return Clip(event.id, audio, ctx.sample_rate)


def _fit(audio: np.ndarray, frames: int) -> np.ndarray:
    if audio.shape[0] >= frames:
        return np.ascontiguousarray(audio[:frames], dtype=np.float32)
    padded = np.zeros((frames, audio.shape[1]), dtype=np.float32)
    padded[: audio.shape[0]] = audio
    return padded


def _edge_fade(audio: np.ndarray, n: int) -> None:
    n = min(n, audio.shape[0] // 2)
    if n <= 0:
        return
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    audio[:n] *= ramp
    audio[-n:] *= ramp[::-1]


register_renderer("procedural", ProceduralRenderer)
