"""Continuation speed and quality: seconds per minute of continuation, and the issue's figures.

For each procedural stand-in recording (rain, wind, fire, a clock, a crowd), a clip is rendered,
written as WAV, continued by the whole job (`soundloom continue`: read, analyse, plan, render,
mix, master, write a 24-bit WAV with its sidecar) and judged by
`soundloom_server.engine.continuation.measures`. Runs pinned to one core; goal ≥ 50× real time.
`python bench/continue.py --smoke` is the quick CI variant (one short clip, once).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom.cli import main as cli
from soundloom_server.engine.continuation.measures import measure_continuation
from soundloom_server.engine.plan import Event, EventKind
from soundloom_server.engine.registry import get_renderer
from soundloom_server.engine.renderers.base import RenderContext

INPUTS = ("rain", "wind", "fire", "clock", "crowd_murmur")
SR = 48000


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def recording(recipe: str, seconds: float, seed: int) -> np.ndarray:
    """A procedural stand-in for a field recording, at half scale."""
    event = Event(
        id="rec",
        kind=EventKind.AMBIENCE,
        caption=recipe,
        recipe=recipe,
        start_s=0.0,
        duration_s=seconds,
    )
    audio = get_renderer("procedural").render(event, RenderContext(SR, seed)).samples
    return (audio * 0.5).astype(np.float32)


def bench_one(recipe: str, clip_s: float, new_s: float, seed: int, folder: Path) -> dict:
    """Time one continuation job and measure its result."""
    clip_path, out = folder / f"{recipe}.wav", folder / f"{recipe}_continued.wav"
    clip = recording(recipe, clip_s, seed)
    sf.write(clip_path, clip, SR, subtype="PCM_24")
    args = ["continue", str(clip_path), "--duration", str(new_s), "-o", str(out), "-q"]
    start_cpu, start = time.process_time(), time.perf_counter()
    with open(os.devnull, "w") as quiet, redirect_stdout(quiet), redirect_stderr(quiet):
        code = cli([*args, "--bit-depth", "24", "--seed", str(seed)])
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"soundloom continue failed on {recipe} (exit {code})")
    result, _ = sf.read(out, dtype="float32", always_2d=True)
    sidecar = json.loads(out.with_name(out.name + ".json").read_text())
    seam = next(m["time_s"] for m in sidecar["markers"] if m["label"].startswith("seam"))
    report = measure_continuation(clip, result, SR, seam)
    return {"recipe": recipe, "wall_s": wall, "cpu_s": cpu, "new_s": new_s, **report.to_dict()}


def main() -> int:
    """Run the benchmark and print one row per input."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one short clip, once (CI)")
    parser.add_argument("--clip", type=float, default=30.0, help="clip length, seconds")
    parser.add_argument("--new", type=float, default=60.0, help="continuation length, seconds")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--inputs", nargs="*", default=list(INPUTS), help="recipes to use")
    parser.add_argument("--json", action="store_true", help="rows as JSON lines")
    args = parser.parse_args()
    inputs, clip_s, new_s = (
        (("rain",), 3.0, 2.0) if args.smoke else (args.inputs, args.clip, args.new)
    )
    _pin_one_core()
    print(
        f"# soundloom bench/continue.py  (1 core, 48 kHz stereo, {clip_s:g} s clip, "
        f"{new_s:g} s more)"
    )
    print(
        f"{'input':>13} {'s/min':>6} {'RTF':>5} {'texture':>13} {'onsets':>12} {'ncc':>5} "
        f"{'seam flux':>11} {'step dB':>7} {'LU new-last5':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for recipe in inputs:
            row = bench_one(recipe, clip_s, new_s, args.seed, Path(folder))
            if args.json:
                print(json.dumps(row))
                continue
            per_minute = row["wall_s"] * 60.0 / new_s
            loudness_step = row["new_part_lufs"] - row["clip_recent_lufs"]
            print(
                f"{recipe:>13} {per_minute:>6.2f} {new_s / row['wall_s']:>4.0f}x "
                f"{row['texture_distance_db']:>5.2f}/{row['halves_distance_db']:<5.2f}dB "
                f"{row['onset_rate_new_hz']:>4.1f}/{row['onset_rate_clip_hz']:<4.1f}Hz "
                f"{row['max_probe_correlation']:>5.2f} "
                f"{row['seam_flux_db']:>4.2f}/{row['clip_flux_p99_db']:<4.2f} "
                f"{row['level_step_db']:>+7.2f} {loudness_step:>+12.2f}"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
