"""`soundloom gallery`: every recipe of a family rendered, pictured and listed on one page."""

from __future__ import annotations

import json
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


def _judged(name: str, seconds: float, top: list[list[object]]) -> dict[str, object]:
    return {"file": f"/x/{name}.ogg", "duration_s": seconds, "yamnet": {"mean": top, "max": top}}


def test_gallery_shows_what_a_judge_heard(tmp_path: Path) -> None:
    families: dict[str, list] = {}
    for recipe in all_recipes():
        families.setdefault(recipe.family, []).append(recipe)
    family, recipes = min(families.items(), key=lambda item: (len(item[1]), item[0]))
    first = recipes[0]
    # score_gallery.py --json shape for one recipe, judge.py lines for another.
    results = tmp_path / "judged.json"
    results.write_text(
        json.dumps({first.name: _judged(first.name, 2.0, [["Rain", 0.61], ["Water", 0.2]])})
    )
    out = tmp_path / "gallery"
    args = ["gallery", "--out", str(out), "--family", family, "--seconds", "2", "-q"]
    assert main([*args, "--judge-results", str(results)]) == 0
    page = (out / "index.html").read_text()
    # The ranking shown follows the file's length: per-patch maximum for a 2 s render.
    ranking = "max" if first.kind is EventKind.AMBIENCE or first.typical_duration_s <= 4 else "mean"
    assert f"heard as</b> (top 3, {ranking}): Rain 0.61; Water 0.20" in page
    assert page.count("heard as") == 1  # recipes the judge did not hear show nothing
    lines = [_judged(r.name, 9.0, [["Wind", 0.3]]) for r in recipes]
    results.write_text("\n".join(json.dumps(line) for line in lines))
    assert main([*args, "--judge-results", str(results)]) == 0
    assert (out / "index.html").read_text().count("): Wind 0.30</p>") == len(recipes)


def test_gallery_refuses_unreadable_judge_results(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "judged.json"
    bad.write_text("not json")
    args = ["gallery", "--out", str(tmp_path / "g"), "--judge-results", str(bad), "-q"]
    assert main(args) == 2
    assert "judge_results" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()


def test_gallery_refuses_an_unknown_family(tmp_path: Path) -> None:
    assert main(["gallery", "--out", str(tmp_path), "--family", "polka"]) == 2
