"""The text the tiny models' tokenizers learn from (no downloads: the library's own words)."""

from __future__ import annotations

import json


def tokenizer_corpus() -> list[str]:
    """Text the tiny tokenizers learn from: recipe names, descriptions and tags, plus prompts."""
    from soundloom_server.engine.plan import plan_json_schema
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    lines = [json.dumps(plan_json_schema())]
    for recipe in all_recipes():
        lines.append(f"{recipe.name} {recipe.family} {recipe.kind.value} {recipe.description}")
        lines.append(" ".join(recipe.tags))
    lines.append("rain on a tin roof at night, footsteps on wet planks, a door slams, thunder")
    return lines
