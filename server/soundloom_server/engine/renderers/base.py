"""The renderer Protocol: a backend that turns one Event into a Clip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from soundloom_server.engine.audio import Clip
from soundloom_server.engine.backend import Availability, Lane
from soundloom_server.engine.plan import Event


@dataclass(frozen=True)
class RenderContext:
    """What every event render knows beyond its event: the rate, the seed and the style."""

    sample_rate: int
    seed: int
    style: str = ""


class Renderer(Protocol):
    """Turns one event into a clip of exactly `event.duration_s` at the context's rate.

    A renderer with `batches = True` also offers `render_batch(items, progress, cancelled)`,
    which renders many (event, context) pairs in one model call and yields their clips; one with
    `streams = True` offers `render_pieces(event, ctx)`, the clip as consecutive pieces (a long
    bed never exists whole).
    """

    name: str
    version: str
    lane: Lane
    batches: bool
    streams: bool

    def availability(self) -> Availability:
        """Whether this renderer can run on this machine."""
        ...

    def check(self, event: Event, index: int) -> None:
        """Raise InvalidArgument naming `events[index].<field>` if the event cannot render."""
        ...

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """Render the event."""
        ...
