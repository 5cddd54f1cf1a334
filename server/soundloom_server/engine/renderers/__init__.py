"""Renderers: small Protocol backends registered by name; each turns an Event into a Clip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from soundloom_server.engine.audio import Clip
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import Event


@dataclass(frozen=True)
class RenderContext:
    """What every event render knows about its scene: rate, seed, style, neighbours."""

    sample_rate: int
    seed: int
    scene_duration_s: float
    style: str = ""
    environment: str = "none"
    neighbours: tuple[Event, ...] = field(default=())


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run here and, when not, why."""

    available: bool
    reason: str = ""


class Renderer(Protocol):
    """Turns one event into a clip of exactly `event.duration_s` at the context's rate."""

    name: str

    def availability(self) -> Availability:
        """Whether this renderer can run on this machine."""
        ...

    def check(self, event: Event, index: int) -> None:
        """Raise InvalidArgument naming `events[index].<field>` if the event cannot render."""
        ...

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """Render the event."""
        ...


_FACTORIES: dict[str, Callable[[], Renderer]] = {}
_INSTANCES: dict[str, Renderer] = {}


def register_renderer(name: str, factory: Callable[[], Renderer]) -> None:
    """Make a renderer available under `name` (replacing one registered before)."""
    _FACTORIES[name] = factory
    _INSTANCES.pop(name, None)  # a re-registration (e.g. --model PATH) must not reuse the old one


def renderer_names() -> list[str]:
    """Names of every registered renderer."""
    _load_builtin()
    return sorted(_FACTORIES)


def get_renderer(name: str) -> Renderer:
    """The renderer registered as `name` (created once)."""
    _load_builtin()
    if name not in _FACTORIES:
        raise InvalidArgument(
            "renderer", f"must be one of {', '.join(sorted(_FACTORIES))}, got {name!r}"
        )
    if name not in _INSTANCES:
        _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


def _load_builtin() -> None:
    # Imported lazily so that registering a neural renderer never imports torch up front.
    from soundloom_server.engine.renderers import clip, diffusion, procedural  # noqa: F401
