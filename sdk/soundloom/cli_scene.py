"""What `generate`, `render`, `continue` and `dub` do around a render: warn about what matched
nothing, write every file or none, and report what was written."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import Any

from soundloom.asset import Asset
from soundloom.cli_outputs import prepare_dir
from soundloom.progress_view import emit_json
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    WEAK_MATCH,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    plan_to_json,
)


def flag_options(args: argparse.Namespace) -> dict[str, Any]:
    """The render options that `generate`, `render` and `continue` read from the same flags."""
    return {
        "sample_rate": args.sample_rate,
        "channels": args.channels,
        "bit_depth": args.bit_depth,
        "loudness": args.loudness,
        "true_peak_db": args.true_peak,
        "seed": args.seed,
        "loop": args.loop,
    }


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


def produce_files(
    args: argparse.Namespace,
    source: SceneRequest | ScenePlan,
    options: RenderOptions,
    output: Path,
    key: str,
    progress: Any,
    edit: Any = None,
) -> Asset:
    """Render here (continue and dub: their analysis lives in this process) and write the
    main file, its side files, the plan and the picture: all of them or none."""
    from soundloom.spectrogram import write_spectrogram
    from soundloom_server.engine.package import sidecar_path_for, staged_outputs
    from soundloom_server.engine.produce import produce

    with staged_outputs() as staging:
        prepare_dir(output)
        planned = functools.partial(say_what_found_nothing, args=args)
        made = produce(source, options, output, key, progress, check=planned, edit=edit)
        _write_plan(args, staging, made.scene.plan)
        if args.spectrogram:
            picture = staging.temp_for(args.spectrogram)
            write_spectrogram(picture, made.scene.audio, made.scene.sample_rate, made.scene.plan)
    return Asset.load(sidecar_path_for(made.asset.path))


def save_asset(args: argparse.Namespace, asset: Asset, output: Path) -> Asset:
    """Copy a client's asset to `output` with its side files, the plan and the picture: all
    of them or none. The picture is drawn from the file as written."""
    from soundloom.spectrogram import write_spectrogram
    from soundloom_server.engine.encode import decode
    from soundloom_server.engine.package import staged_outputs

    with staged_outputs() as staging:
        _write_plan(args, staging, asset.plan)
        if args.spectrogram:
            audio, rate = decode(asset.path)
            write_spectrogram(staging.temp_for(args.spectrogram), audio, rate, asset.plan)
        prepare_dir(output)
        return asset.save(output)


def _write_plan(args: argparse.Namespace, staging: Any, plan: ScenePlan) -> None:
    if getattr(args, "plan_out", None):
        staging.temp_for(args.plan_out).write_text(plan_to_json(plan) + "\n")


def report_asset(args: argparse.Namespace, asset: Asset) -> None:
    """One line (or one JSON object with --json) describing what was written."""
    plan, loudness = asset.plan, asset.loudness
    if args.json:
        for warning in plan.warnings:
            emit_json("warning", message=warning)
        result = {
            "path": str(asset.path),
            "files": [str(f.path) for f in asset.files if f.role != "sidecar"]
            + [str(asset.sidecar_path)],
            "duration_s": round(asset.frames / asset.sample_rate, 6),
            "sample_rate": asset.sample_rate,
            "channels": asset.channels,
            "loudness": {
                "integrated_lufs": loudness.integrated_lufs,
                "true_peak_dbtp": loudness.true_peak_dbtp,
                "loudness_range_lu": loudness.loudness_range_lu,
            },
            "events": len(plan.events),
            "plan_events": [
                {
                    "id": e.id,
                    "recipe": e.recipe,
                    "start_s": e.start_s,
                    "duration_s": e.duration_s,
                    "match_score": e.match_score,
                    "weak": e.match_score < WEAK_MATCH,
                }
                for e in plan.events
            ],
            "unmatched": list(plan.unmatched),
            "warnings": list(plan.warnings),
            "cache_hit": asset.cache_hit,
        }
        print(json.dumps(result))
        return
    cached = "  (cached)" if asset.cache_hit else ""
    print(
        f"{asset.path}  {asset.frames / asset.sample_rate:.3f} s  {asset.sample_rate} Hz  "
        f"{asset.channels} ch  {loudness.integrated_lufs:.1f} LUFS  "
        f"{loudness.true_peak_dbtp:.1f} dBTP  LRA {loudness.loudness_range_lu:.1f} LU  "
        f"{len(plan.events)} events{cached}"
    )
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
