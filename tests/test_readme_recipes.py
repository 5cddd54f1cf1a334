"""The README's recipe table is the registry's: same families, same recipes."""

from __future__ import annotations

import re
from pathlib import Path

from soundloom_server.engine.renderers.procedural.recipes import all_recipes

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_recipe_table_lists_every_family_and_recipe() -> None:
    section = README[README.index("## The recipe library") :]
    rows = re.findall(r"^\| (\w[\w-]*) \| ([a-z_, ]+) \|$", section, re.M)
    table = {family: set(names.split(", ")) for family, names in rows if family != "family"}
    registry: dict[str, set[str]] = {}
    for recipe in all_recipes():
        registry.setdefault(recipe.family, set()).add(recipe.name)
    assert table == registry
    count = re.search(r"^(\d+) recipes in (\d+) families", section, re.M)
    assert count is not None
    assert (int(count.group(1)), int(count.group(2))) == (len(all_recipes()), len(registry))
