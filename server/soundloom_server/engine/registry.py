"""One registry of backends by kind and name: list them, get one, and read a request's needs.

Built-in backends are imported on first use, so that asking which backends exist never imports
torch; a neural backend loads its model only when it first plans or renders.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from soundloom_server.engine.backend import Availability, Backend, Kind, Lane
from soundloom_server.engine.errors import NotFound
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest

if TYPE_CHECKING:
    from soundloom_server.engine.planners.base import Planner
    from soundloom_server.engine.renderers.base import Renderer

KINDS: tuple[Kind, ...] = ("planner", "renderer", "matcher")
DEFAULTS: dict[Kind, str] = {
    "planner": RenderOptions().planner,
    "renderer": RenderOptions().renderer,
    "matcher": "lexicon",
}

_FACTORIES: dict[Kind, dict[str, Callable[[], Any]]] = {kind: {} for kind in KINDS}
_INSTANCES: dict[tuple[Kind, str], Any] = {}
_BUILTIN_LOADED = False


class BackendNotFound(NotFound):
    """A request names a backend that is not registered; `field` is where it was named."""

    def __init__(self, field: str, kind: Kind, name: str, known: list[str]) -> None:
        super().__init__(f"{field} {name!r} is not a known {kind} (one of {', '.join(known)})")
        self.field = field
        self.kind = kind
        self.name = name


@dataclass(frozen=True)
class BackendUse:
    """One backend a request needs, and the request field that names it."""

    field: str
    kind: Kind
    name: str


@dataclass(frozen=True)
class BackendStatus:
    """A backend as listed to users: whether it can run here, and its declared facts."""

    name: str
    kind: str
    available: bool
    reason: str = ""
    default: bool = False
    version: str = ""  # "" where a server does not say
    lane: str = ""


def register_backend(kind: Kind, name: str, factory: Callable[[], Any]) -> None:
    """Make a backend available as `kind`/`name` (replacing one registered before)."""
    _load_builtin()
    _FACTORIES[kind][name] = factory
    _INSTANCES.pop((kind, name), None)  # a new --model must not reuse the old instance


def backend_names(kind: Kind) -> list[str]:
    """Names of every registered backend of this kind."""
    _load_builtin()
    return sorted(_FACTORIES[kind])


def get_backend(kind: Kind, name: str, field: str | None = None) -> Any:
    """The backend registered as `kind`/`name`, created once; BackendNotFound otherwise."""
    _load_builtin()
    if name not in _FACTORIES[kind]:
        raise BackendNotFound(field or kind, kind, name, backend_names(kind))
    if (kind, name) not in _INSTANCES:
        _INSTANCES[kind, name] = _FACTORIES[kind][name]()
    return _INSTANCES[kind, name]


def get_planner(name: str, field: str | None = None) -> Planner:
    """The planner registered as `name`."""
    return get_backend("planner", name, field)


def get_renderer(name: str, field: str | None = None) -> Renderer:
    """The renderer registered as `name`."""
    return get_backend("renderer", name, field)


def planner_names() -> list[str]:
    """Names of every registered planner."""
    return backend_names("planner")


def renderer_names() -> list[str]:
    """Names of every registered renderer."""
    return backend_names("renderer")


def use_model(kind: Kind, name: str, path: str | os.PathLike[str] | None) -> None:
    """Point a model-loading backend at a folder (the CLI's --model / --llm); None resets."""
    _load_builtin()
    register_backend(kind, name, functools.partial(_create_builtin, kind, name, path))


def backends_used(source: SceneRequest | ScenePlan, options: RenderOptions) -> list[BackendUse]:
    """The planner (for words) and every renderer a request needs, with the fields naming them."""
    uses = []
    if isinstance(source, SceneRequest):
        uses.append(BackendUse("options.planner", "planner", options.planner))
    uses.append(BackendUse("options.renderer", "renderer", options.renderer))
    if isinstance(source, ScenePlan):
        uses += [
            BackendUse(f"events[{i}].renderer", "renderer", event.renderer)
            for i, event in enumerate(source.events)
            if event.renderer
        ]
    return uses


def check_backends(source: SceneRequest | ScenePlan, options: RenderOptions) -> None:
    """BackendNotFound, naming the field, for the first backend the request needs that is
    not registered."""
    for use in backends_used(source, options):
        if use.name not in backend_names(use.kind):
            raise BackendNotFound(use.field, use.kind, use.name, backend_names(use.kind))


def lane_for(source: SceneRequest | ScenePlan, options: RenderOptions) -> Lane:
    """ "neural" when any backend the request needs loads a model, else "cpu"."""
    lanes = {get_backend(use.kind, use.name).lane for use in backends_used(source, options)}
    return "neural" if "neural" in lanes else "cpu"


def backend_identity(kind: Kind, name: str) -> str:
    """The backend's version, plus its weights' fingerprint when it loads a model ("?" for a
    name not registered: the request is refused elsewhere, naming its field)."""
    if name not in backend_names(kind):
        return "?"
    backend = get_backend(kind, name)
    if backend.lane != "neural":
        return str(backend.version)
    from soundloom_server.engine.model_fingerprint import folder_fingerprint

    return f"{backend.version}+{folder_fingerprint(backend.model_folder())}"


def availability(backend: Backend) -> Availability:
    """The backend's own answer; a self-check that fails means it cannot run here."""
    try:
        return backend.availability()
    except Exception as exc:
        return Availability(False, str(exc))


def backend_statuses(kinds: tuple[Kind, ...] = ("planner", "renderer")) -> list[BackendStatus]:
    """Every backend of these kinds, kind by kind and by name, with availability."""
    statuses = []
    for kind in kinds:
        for name in backend_names(kind):
            backend = get_backend(kind, name)
            status = availability(backend)
            statuses.append(
                BackendStatus(
                    name,
                    kind,
                    status.available,
                    status.reason,
                    name == DEFAULTS[kind],
                    str(backend.version),
                    str(backend.lane),
                )
            )
    return statuses


# The built-in backends, named as entry points are ("module:Class") and imported on first use:
# listing backends never imports torch, and no backend module depends on this one's imports.
_BUILTIN: dict[tuple[Kind, str], str] = {
    ("renderer", "procedural"): "soundloom_server.engine.renderers.procedural:ProceduralRenderer",
    ("renderer", "diffusion"): "soundloom_server.engine.renderers.diffusion:DiffusionRenderer",
    ("renderer", "clip"): "soundloom_server.engine.renderers.clip:ClipRenderer",
    ("planner", "rules"): "soundloom_server.engine.planners.rules:RulesPlanner",
    ("planner", "llm"): "soundloom_server.engine.planners.llm:LLMPlanner",
    ("matcher", "lexicon"): "soundloom_server.engine.planners.matchers:LexiconMatcher",
    ("matcher", "embedding"): "soundloom_server.engine.planners.matchers:EmbeddingMatcher",
}


def _builtin_class(kind: Kind, name: str) -> type:
    module, _, attribute = _BUILTIN[kind, name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def _create_builtin(kind: Kind, name: str, *args: Any) -> Any:
    return _builtin_class(kind, name)(*args)


def _load_builtin() -> None:
    global _BUILTIN_LOADED
    if _BUILTIN_LOADED:
        return
    _BUILTIN_LOADED = True
    for kind, name in _BUILTIN:
        _FACTORIES[kind].setdefault(name, functools.partial(_create_builtin, kind, name))
