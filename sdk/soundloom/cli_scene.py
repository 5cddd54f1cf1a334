"""What `generate`, `render`, `continue` and `dub` do once a scene is rendered: warn about what
matched nothing, write every file or none, and report what was written."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from soundloom.cli_outputs import prepare_dir
from soundloom.progress_view import emit_json
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import WEAK_MATCH, RenderOptions, ScenePlan, plan_to_json


def say_what_found_nothing(plan: ScenePlan, args: argparse.Namespace) -> None:
    """Name the words no recipe fits and the weak matches; with --strict, refuse the plan."""
    if plan.unmatched and getattr(args, "strict", False):
        words = ", ".join(repr(w) for w in plan.unmatched)
        raise InvalidArgument("description", f"has sounds no recipe fits: {words} (--strict)")
    weak = [e for e in plan.events if e.match_score < WEAK_MATCH]
    if args.json:
        if plan.unmatched:
            emit_json("unmatched", words=list(plan.unmatched))
        for event in weak:
            emit_json(
                "weak_match", event=event.id, recipe=event.recipe, match_score=event.match_score
            )
        return
    for words in plan.unmatched:
        print(f"soundloom: no recipe fits {words!r}: left out of the plan", file=sys.stderr)
    for event in weak:
        print(
            f"soundloom: weak match: {event.caption!r} -> {event.recipe} "
            f"(score {event.match_score:.2f})",
            file=sys.stderr,
        )


def write_scene_files(
    args: argparse.Namespace, scene: Any, options: RenderOptions, output: Path, key: str
) -> Any:
    """The main file, its side files, the plan and the picture: all of them or none."""
    from soundloom.spectrogram import write_spectrogram
    from soundloom_server.engine.package import package_scene, staged_outputs

    with staged_outputs() as staging:
        if getattr(args, "plan_out", None):
            staging.temp_for(args.plan_out).write_text(plan_to_json(scene.plan) + "\n")
        if args.spectrogram:
            picture = staging.temp_for(args.spectrogram)
            write_spectrogram(picture, scene.audio, scene.sample_rate, scene.plan)
        prepare_dir(output)
        return package_scene(scene, options, output, key)


def report_scene(args: argparse.Namespace, asset: Any, scene: Any) -> None:
    """One line (or one JSON object with --json) describing what was written."""
    report = asset.report
    seconds = scene.frames / scene.sample_rate
    if args.json:
        for warning in scene.plan.warnings:
            emit_json("warning", message=warning)
        result = {
            "path": str(asset.path),
            "files": [str(f.path) for f in asset.files] + [str(asset.sidecar_path)],
            "duration_s": round(seconds, 6),
            "sample_rate": scene.sample_rate,
            "channels": int(scene.audio.shape[1]),
            "loudness": {
                "integrated_lufs": report.integrated_lufs,
                "true_peak_dbtp": report.true_peak_dbtp,
                "loudness_range_lu": report.loudness_range_lu,
            },
            "events": len(scene.plan.events),
            "plan_events": [
                {
                    "id": e.id,
                    "recipe": e.recipe,
                    "start_s": e.start_s,
                    "duration_s": e.duration_s,
                    "match_score": e.match_score,
                    "weak": e.match_score < WEAK_MATCH,
                }
                for e in scene.plan.events
            ],
            "unmatched": list(scene.plan.unmatched),
            "warnings": list(scene.plan.warnings),
        }
        print(json.dumps(result))
        return
    print(
        f"{asset.path}  {seconds:.3f} s  {scene.sample_rate} Hz  "
        f"{scene.audio.shape[1]} ch  {report.integrated_lufs:.1f} LUFS  "
        f"{report.true_peak_dbtp:.1f} dBTP  LRA {report.loudness_range_lu:.1f} LU  "
        f"{len(scene.plan.events)} events"
    )
    for warning in scene.plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
