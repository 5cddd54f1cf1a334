"""What every backend (planner, renderer, matcher) declares about itself, on its Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Kind = Literal["planner", "renderer", "matcher"]
Lane = Literal["cpu", "neural"]


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run here and, when not, why."""

    available: bool
    reason: str = ""


class Backend(Protocol):
    """The facts the registry, the cache key and the server's queue read from a backend.

    `version` is bumped when the backend's output for the same input changes (it is part of
    every cache key); `lane` is "neural" for backends that load a model (they share the one
    GPU worker) and "cpu" otherwise.
    """

    name: str
    version: str
    lane: Lane

    def availability(self) -> Availability:
        """Whether this backend can run on this machine, and why not."""
        ...
