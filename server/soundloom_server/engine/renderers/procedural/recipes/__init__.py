"""The recipe library: every module in this package defines `RECIPE` (or `RECIPES`).

Adding a recipe is adding one file here; it is found by import, not by a hand-kept list.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from soundloom_server.engine.plan import EventKind, ParamValue


@dataclass(frozen=True)
class ParamSpec:
    """One recipe parameter: a number in [low, high] or a word from `choices`."""

    name: str
    default: ParamValue
    low: float = 0.0
    high: float = 1.0
    choices: tuple[str, ...] = ()
    doc: str = ""

    def resolve(self, value: ParamValue | None) -> ParamValue:
        """Clamp a number into range, or map an unknown word to the default."""
        if value is None:
            return self.default
        if self.choices:
            return value if value in self.choices else self.default
        try:
            number = float(value)
        except (TypeError, ValueError):
            return self.default
        return min(max(number, self.low), self.high)


@dataclass(frozen=True)
class SynthRequest:
    """What a recipe's synth function gets: length, rate, seeded randomness and parameters."""

    frames: int
    sample_rate: int
    rng: np.random.Generator
    params: Mapping[str, ParamValue]

    def number(self, name: str) -> float:
        """A numeric parameter."""
        return float(self.params[name])

    def word(self, name: str) -> str:
        """A word parameter."""
        return str(self.params[name])


SynthFn = Callable[[SynthRequest], np.ndarray]


@dataclass(frozen=True)
class Recipe:
    """A procedural sound model with the words that find it and the parameters that shape it."""

    name: str
    family: str
    kind: EventKind
    description: str
    tags: tuple[str, ...]
    synth: SynthFn
    params: tuple[ParamSpec, ...] = field(default=())
    typical_duration_s: float = 2.0

    def resolve_params(self, given: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
        """Defaults for every declared parameter, overridden (and clamped) by `given`."""
        return {p.name: p.resolve(given.get(p.name)) for p in self.params}


_RECIPES: dict[str, Recipe] = {}
_DISCOVERY = threading.Lock()


def _discover() -> None:
    # Render threads may arrive here together: build under a lock, publish the finished dict.
    if _RECIPES:
        return
    with _DISCOVERY:
        if _RECIPES:
            return
        found: dict[str, Recipe] = {}
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            recipes = list(getattr(module, "RECIPES", ())) + (
                [module.RECIPE] if hasattr(module, "RECIPE") else []
            )
            for recipe in recipes:
                if recipe.name in found:
                    raise RuntimeError(f"recipe {recipe.name!r} is defined twice")
                found[recipe.name] = recipe
        _RECIPES.update(found)


def all_recipes() -> list[Recipe]:
    """Every recipe, sorted by family then name."""
    _discover()
    return sorted(_RECIPES.values(), key=lambda r: (r.family, r.name))


def get_recipe(name: str) -> Recipe | None:
    """The recipe called `name`, or None."""
    _discover()
    return _RECIPES.get(name)
