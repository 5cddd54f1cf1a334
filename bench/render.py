"""Render speed: plan + render + mix + master, and encoding apart, for 10 s, 60 s and 600 s scenes.

Runs pinned to one core. Prints real-time factors (audio seconds per wall second).
`python bench/render.py --smoke` is the quick CI variant.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from soundloom_server.engine.encode import encode
from soundloom_server.engine.pipeline import generate_scene
from soundloom_server.engine.plan import RenderOptions, SceneRequest

SCENES = {
    # The issue's scene: one bed and three one-shots, outdoor reverb.
    "harbour": "abandoned harbour at night: rain on tin roofs, footsteps on wet planks, "
    "a door slams, distant thunder",
    # A busier one: four beds (rain, wind, crowd, ...) and four one-shots.
    "busy": "abandoned harbour at night: rain on tin roofs, wind gusting, footsteps on wet "
    "planks, a door slams, distant thunder, a crowd murmuring in a tavern, a metal impact",
}


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def bench_scene(description: str, duration_s: float, repeats: int) -> dict[str, float]:
    """Best-of-`repeats` seconds for each stage of one scene, and the encodes."""
    best: dict[str, float] = {}
    options = RenderOptions(seed=1)
    for _ in range(repeats):
        marks: list[tuple[str, float]] = []
        start = time.perf_counter()

        def progress(stage: str, fraction: float, marks: list[tuple[str, float]] = marks) -> None:
            if fraction == 0.0 or stage == "plan":
                marks.append((stage, time.perf_counter()))

        scene = generate_scene(SceneRequest(description, duration_s=duration_s), options, progress)
        total = time.perf_counter() - start
        stages = _stage_times(marks, start, time.perf_counter())
        for name, seconds in {"total": total, **stages}.items():
            best[name] = min(best.get(name, float("inf")), seconds)
        with tempfile.TemporaryDirectory() as folder:
            for fmt in ("wav", "ogg", "flac"):
                t0 = time.perf_counter()
                encode(Path(folder) / f"scene.{fmt}", scene.audio, scene.sample_rate, fmt)
                key = f"encode_{fmt}"
                best[key] = min(best.get(key, float("inf")), time.perf_counter() - t0)
    return best


def _stage_times(marks: list[tuple[str, float]], start: float, end: float) -> dict[str, float]:
    firsts: dict[str, float] = {}
    for stage, when in marks:
        firsts.setdefault(stage, when)
    ordered = sorted(firsts.items(), key=lambda item: item[1])
    times = {}
    for (stage, when), nxt in zip(ordered, [*ordered[1:], ("end", end)], strict=True):
        times[stage] = nxt[1] - when
    return times


def main() -> int:
    """Run the benchmark and print a table of seconds and real-time factors."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one short scene, once (CI)")
    parser.add_argument("--durations", type=float, nargs="*", default=[10.0, 60.0, 600.0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    durations, repeats = ([3.0], 1) if args.smoke else (args.durations, args.repeats)
    _pin_one_core()
    print(f"# soundloom bench/render.py  (1 core, 48 kHz stereo, best of {repeats})")
    print(
        f"{'scene':>8} {'length':>7} {'plan→master s':>14} {'RTF':>7} {'render':>7} {'mix':>7} "
        f"{'master':>7} {'wav RTF':>8} {'ogg RTF':>8} {'flac RTF':>9}"
    )
    for duration in durations:
        for name, description in SCENES.items():
            t = bench_scene(description, duration, repeats if duration < 600 else 1)
            print(
                f"{name:>8} {duration:>6.0f}s {t['total']:>14.3f} {duration / t['total']:>6.0f}x "
                f"{t.get('render', 0):>7.3f} {t.get('mix', 0):>7.3f} {t.get('master', 0):>7.3f} "
                f"{duration / t['encode_wav']:>7.0f}x {duration / t['encode_ogg']:>7.0f}x "
                f"{duration / t['encode_flac']:>8.0f}x"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
