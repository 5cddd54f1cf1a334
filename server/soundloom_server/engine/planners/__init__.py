"""Planners: small Protocol backends registered by name; each turns a SceneRequest into a plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import ScenePlan, SceneRequest


class Planner(Protocol):
    """Decomposes a described scene into timed events."""

    name: str

    def plan(self, request: SceneRequest, seed: int = 0) -> ScenePlan:
        """A valid plan for the request; never raises for odd wording, only for bad fields."""
        ...


_FACTORIES: dict[str, Callable[[], Planner]] = {}


def register_planner(name: str, factory: Callable[[], Planner]) -> None:
    """Make a planner available under `name`."""
    _FACTORIES[name] = factory


def planner_names() -> list[str]:
    """Names of every registered planner."""
    _load_builtin()
    return sorted(_FACTORIES)


def get_planner(name: str) -> Planner:
    """A planner instance registered as `name`."""
    _load_builtin()
    if name not in _FACTORIES:
        raise InvalidArgument(
            "planner", f"must be one of {', '.join(sorted(_FACTORIES))}, got {name!r}"
        )
    return _FACTORIES[name]()


def _load_builtin() -> None:
    # The LLM planner registers without importing torch; it loads its model on first use.
    from soundloom_server.engine.planners import llm, rules  # noqa: F401
