"""Which recipes a clip resembles, by features measured on the recipes' own renders.

Features: the time-averaged log-mel shape (64 bands, its mean removed so level does not count),
the spread of the level over time and the onset rate. The recipes' features live in
`recipe_features.json`, built from their renders (4 s beds, seeds 1-2) by
`python -m soundloom_server.engine.continuation.resemblance --build`; a recipe added since is
simply not named until the table is rebuilt, one removed since is skipped.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundloom_server.engine.continuation import features as ft

TABLE = Path(__file__).with_name("recipe_features.json")
RENDER_S = 4.0
RENDER_RATE = 48000
SEEDS = (1, 2)
TOP = 3
# Distances: the log-mel shape in dB RMS; the level spread and log onset rate weigh like it.
SPREAD_WEIGHT = 0.5
ONSET_WEIGHT = 3.0


@dataclass(frozen=True)
class Features:
    """A sound's resemblance features."""

    shape_db: tuple[float, ...]
    spread_db: float
    onset_rate_hz: float


def features_of(audio: np.ndarray, sample_rate: int, logmel: np.ndarray | None = None) -> Features:
    """Measure a sound's features (from its log-mel, `ft.log_mel`, when taken already)."""
    logmel = ft.log_mel(audio, sample_rate) if logmel is None else logmel
    shape = logmel.mean(axis=0)
    level = logmel.mean(axis=1)
    seconds = audio.shape[0] / sample_rate
    onsets = ft.onset_times_of_log_mel(logmel, sample_rate).shape[0]
    return Features(
        shape_db=tuple(float(v) for v in shape - shape.mean()),
        spread_db=float(level.std()),
        onset_rate_hz=onsets / seconds if seconds > 0 else 0.0,
    )


def distance(a: Features, b: Features) -> float:
    """How unlike two sounds are (0 = alike)."""
    shape = float(np.sqrt(np.mean(np.square(np.subtract(a.shape_db, b.shape_db)))))
    onsets = abs(math.log1p(a.onset_rate_hz) - math.log1p(b.onset_rate_hz))
    return shape + SPREAD_WEIGHT * abs(a.spread_db - b.spread_db) + ONSET_WEIGHT * onsets


def load_table(path: Path = TABLE) -> dict[str, list[Features]]:
    """The recipes' features by name (empty when the table is missing)."""
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    return {
        name: [Features(tuple(f["shape_db"]), f["spread_db"], f["onset_rate_hz"]) for f in rows]
        for name, rows in raw["recipes"].items()
    }


def resembling(
    audio: np.ndarray, sample_rate: int, top: int = TOP, logmel: np.ndarray | None = None
) -> tuple[str, ...]:
    """The names of the `top` recipes the sound is most like, nearest first."""
    from soundloom_server.engine.renderers.procedural.recipes import get_recipe

    table = load_table()
    if not table:
        return ()
    mine = features_of(audio, sample_rate, logmel)
    scored = sorted(
        (min(distance(mine, f) for f in rows), name)
        for name, rows in table.items()
        if get_recipe(name) is not None
    )
    return tuple(name for _, name in scored[:top])


def build_table(path: Path = TABLE) -> int:
    """Render every bed recipe and write its features; the number of recipes."""
    from soundloom_server.engine.plan import Event, EventKind
    from soundloom_server.engine.registry import get_renderer
    from soundloom_server.engine.renderers.base import RenderContext
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    renderer = get_renderer("procedural")
    recipes: dict[str, list[dict[str, object]]] = {}
    for recipe in all_recipes():
        if recipe.kind is not EventKind.AMBIENCE:
            continue
        rows = []
        for seed in SEEDS:
            event = Event("bed", EventKind.AMBIENCE, recipe.name, recipe.name, 0.0, RENDER_S)
            audio = renderer.render(event, RenderContext(RENDER_RATE, seed)).samples
            f = features_of(audio, RENDER_RATE)
            rows.append(
                {
                    "shape_db": [round(v, 2) for v in f.shape_db],
                    "spread_db": round(f.spread_db, 3),
                    "onset_rate_hz": round(f.onset_rate_hz, 3),
                }
            )
        recipes[recipe.name] = rows
    body = {
        "render_s": RENDER_S,
        "sample_rate": RENDER_RATE,
        "seeds": list(SEEDS),
        "recipes": recipes,
    }
    path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
    return len(recipes)


def main(argv: list[str] | None = None) -> int:
    """`--build` writes the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", action="store_true", help="render the beds and write the table")
    args = parser.parse_args(argv)
    if args.build:
        print(f"{TABLE}: {build_table()} recipes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
