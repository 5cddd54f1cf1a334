"""The recipe gallery: every recipe rendered, mastered and pictured, on one HTML page by family."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan
from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

DEFAULT_BED_S = 8.0
# An independent classifier ranks a bed by its mean over ~1 s patches and a one-shot by each
# class's loudest patch; the gallery shows the ranking that fits the file's length.
MEAN_RANKING_MIN_S = 4.0
LABELS_SHOWN = 3

Labels = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Judgement:
    """What a classifier heard in one file: top labels by mean and by loudest patch."""

    mean: Labels
    loudest: Labels

    def for_length(self, seconds: float) -> tuple[str, Labels]:
        """The ranking that fits a file this long, and its labels."""
        if seconds > MEAN_RANKING_MIN_S:
            return "mean", self.mean
        return "max", self.loudest


@dataclass(frozen=True)
class GalleryItem:
    """One rendered recipe: its metadata and the files written for it."""

    recipe: Recipe
    audio: Path
    picture: Path
    seconds: float
    heard: Judgement | None = None


def gallery_plan(recipe: Recipe, bed_s: float = DEFAULT_BED_S) -> ScenePlan:
    """A one-event scene for the recipe: a looping bed of `bed_s`, or one one-shot at its
    typical length."""
    bed = recipe.kind is EventKind.AMBIENCE
    seconds = float(bed_s if bed else recipe.typical_duration_s)
    event = Event(
        id=recipe.name.replace("_", "-"),
        kind=recipe.kind,
        caption=recipe.description[:500] or recipe.name,
        recipe=recipe.name,
        start_s=0.0,
        duration_s=seconds,
        fade_in_s=min(0.5, 0.1 * seconds) if bed else 0.0,
        fade_out_s=min(1.0, 0.1 * seconds) if bed else min(0.05, 0.1 * seconds),
        loop=bed,
        params=recipe.resolve_params({}),
    )
    return ScenePlan(
        duration_s=seconds,
        events=(event,),
        description=f"{recipe.name} - {recipe.description}"[:4000],
        planner="gallery",
    )


def render_gallery(
    out_dir: Path,
    bed_s: float = DEFAULT_BED_S,
    family: str | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    judged: Mapping[str, Judgement] | None = None,
) -> list[GalleryItem]:
    """Render every recipe (or one family's) to `<name>.ogg` + `<name>.png`, write index.html.

    `judged` maps recipe names to the labels an independent classifier heard in them (see
    `load_judge_results`); they are shown beside each spectrogram.
    """
    from soundloom.spectrogram import write_spectrogram
    from soundloom_server.engine.encode import encode
    from soundloom_server.engine.pipeline import generate_scene

    recipes = [r for r in all_recipes() if family is None or r.family == family]
    out_dir.mkdir(parents=True, exist_ok=True)
    options = RenderOptions(seed=seed, format="ogg")
    items = []
    for recipe in recipes:
        if progress:
            progress(recipe.name)
        scene = generate_scene(gallery_plan(recipe, bed_s), options)
        audio, picture = out_dir / f"{recipe.name}.ogg", out_dir / f"{recipe.name}.png"
        encode(audio, scene.audio, scene.sample_rate, "ogg", tags={"title": recipe.name})
        write_spectrogram(picture, scene.audio, scene.sample_rate, scene.plan)
        seconds = scene.frames / scene.sample_rate
        heard = (judged or {}).get(recipe.name)
        items.append(GalleryItem(recipe, audio, picture, seconds, heard))
    (out_dir / "index.html").write_text(gallery_html(items), encoding="utf-8")
    return items


def load_judge_results(path: Path) -> dict[str, Judgement]:
    """Labels per recipe from a judge's JSON: `score_gallery.py --json` or `judge.py` lines.

    The first maps recipe names to `{"yamnet": {"mean": [[label, p], ...], "max": [...]}}`; the
    second prints one such object per line, naming the file it judged.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidArgument("judge_results", f"cannot be read: {exc.strerror}") from exc
    try:
        try:
            by_name = json.loads(text)
        except ValueError:  # one JSON object per line (judge.py)
            by_name = {}
        if "file" in by_name or not by_name:
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            by_name = {Path(str(line["file"])).stem: line for line in lines}
        return {name: _judgement(result["yamnet"]) for name, result in by_name.items()}
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidArgument(
            "judge_results", "must be score_gallery.py --json output or judge.py lines"
        ) from exc


def _judgement(rankings: Mapping[str, list]) -> Judgement:
    def top(pairs: list) -> Labels:
        return tuple((str(label), float(p)) for label, p in pairs[:LABELS_SHOWN])

    return Judgement(mean=top(rankings["mean"]), loudest=top(rankings["max"]))


def _heard_html(item: GalleryItem) -> str:
    if item.heard is None:
        return ""
    ranking, labels = item.heard.for_length(item.seconds)
    shown = "; ".join(f"{html.escape(label)} {p:.2f}" for label, p in labels)
    return f"<p class=heard><b>heard as</b> (top {LABELS_SHOWN}, {ranking}): {shown}</p>"


def _params_html(recipe: Recipe) -> str:
    rows = []
    for spec in recipe.params:
        values = ", ".join(spec.choices) if spec.choices else f"{spec.low:g} – {spec.high:g}"
        rows.append(
            f"<tr><td>{html.escape(spec.name)}</td><td>{html.escape(str(spec.default))}</td>"
            f"<td>{html.escape(values)}</td><td>{html.escape(spec.doc)}</td></tr>"
        )
    if not rows:
        return "<p class=params>No parameters.</p>"
    head = "<tr><th>param</th><th>default</th><th>range</th><th></th></tr>"
    return f"<table class=params>{head}{''.join(rows)}</table>"


def _item_html(item: GalleryItem) -> str:
    recipe = item.recipe
    name = html.escape(recipe.name)
    tags = ", ".join(html.escape(t) for t in recipe.tags)
    return (
        f'<article class=recipe id="{name}">'
        f"<h3>{name} <small>{html.escape(recipe.kind.value)} · {item.seconds:.1f} s</small></h3>"
        f"<p class=description>{html.escape(recipe.description)}</p>"
        f'<audio controls preload=none src="{html.escape(item.audio.name)}"></audio>'
        f'<img src="{html.escape(item.picture.name)}" alt="spectrogram of {name}" '
        "loading=lazy width=700>"
        f"{_heard_html(item)}"
        f"<p class=tags><b>tags:</b> {tags}</p>"
        f"{_params_html(recipe)}"
        "</article>"
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em}"
    "article{border-top:1px solid #ccc;padding:.5em 0}img{display:block;max-width:100%}"
    "audio{width:100%}table{border-collapse:collapse;font-size:.9em}"
    "td,th{padding:2px 8px;text-align:left}small{color:#666;font-weight:normal}"
)


def gallery_html(items: list[GalleryItem]) -> str:
    """The gallery page: one section per family, one article per recipe."""
    families: dict[str, list[GalleryItem]] = {}
    for item in items:
        families.setdefault(item.recipe.family, []).append(item)
    nav = " · ".join(f'<a href="#family-{html.escape(f)}">{html.escape(f)}</a>' for f in families)
    sections = "".join(
        f'<section class=family id="family-{html.escape(family)}">'
        f"<h2>{html.escape(family)}</h2>{''.join(_item_html(i) for i in members)}</section>"
        for family, members in families.items()
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Soundloom recipe gallery</title><style>{_STYLE}</style></head><body>"
        f"<h1>Soundloom recipe gallery</h1><p>{len(items)} recipes, mastered. {nav}</p>"
        f"{sections}</body></html>\n"
    )
