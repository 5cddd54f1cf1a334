"""`soundloom gallery`: every recipe of a family rendered, pictured and listed on one page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import soundfile as sf

from soundloom.cli import main
from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural.recipes import all_recipes


class _Page(HTMLParser):
    """Collects the tags and attributes the gallery page is checked for."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_gallery_for_one_family(tmp_path: Path) -> None:
    families: dict[str, list] = {}
    for recipe in all_recipes():
        families.setdefault(recipe.family, []).append(recipe)
    # The smallest family keeps the test quick whatever recipes have landed.
    family, recipes = min(families.items(), key=lambda item: (len(item[1]), item[0]))
    out = tmp_path / "gallery"
    assert main(["gallery", "--out", str(out), "--family", family, "--seconds", "2", "-q"]) == 0
    for recipe in recipes:
        audio, rate = sf.read(out / f"{recipe.name}.ogg", always_2d=True)
        expected_s = 2.0 if recipe.kind is EventKind.AMBIENCE else recipe.typical_duration_s
        assert abs(audio.shape[0] / rate - expected_s) < 0.05
        assert abs(audio).max() > 0.01, f"{recipe.name} is silent"
        assert (out / f"{recipe.name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = _Page()
    page.feed((out / "index.html").read_text())
    sections = [a for t, a in page.tags if t == "section"]
    assert [s["id"] for s in sections] == [f"family-{family}"]
    players = [a for t, a in page.tags if t == "audio"]
    assert all("controls" in a for a in players)
    assert sorted(a["src"] for a in players) == sorted(f"{r.name}.ogg" for r in recipes)
    pictures = sorted(a["src"] for t, a in page.tags if t == "img")
    assert pictures == sorted(f"{r.name}.png" for r in recipes)
    text = " ".join(page.text)
    for recipe in recipes:
        assert recipe.description in text and recipe.tags[0] in text
        assert all(p.name in text for p in recipe.params)


def test_gallery_refuses_an_unknown_family(tmp_path: Path) -> None:
    assert main(["gallery", "--out", str(tmp_path), "--family", "polka"]) == 2
