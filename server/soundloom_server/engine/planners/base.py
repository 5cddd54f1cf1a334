"""The planner Protocol: a backend that turns a SceneRequest into a ScenePlan."""

from __future__ import annotations

from typing import Protocol

from soundloom_server.engine.backend import Availability, Lane
from soundloom_server.engine.plan import ScenePlan, SceneRequest


class Planner(Protocol):
    """Decomposes a described scene into timed events."""

    name: str
    version: str
    lane: Lane

    def availability(self) -> Availability:
        """Whether this planner can run on this machine."""
        ...

    def plan(self, request: SceneRequest, seed: int = 0) -> ScenePlan:
        """A valid plan for the request; never raises for odd wording, only for bad fields."""
        ...
