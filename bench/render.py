"""Render speed: plan + render + mix + master, and encoding apart, for 10 s, 60 s and 600 s scenes;
then whole `soundloom generate` processes against a floor measured in the same run.

Runs pinned to one core. The first table prints real-time factors (audio seconds per wall
second) of the in-memory stages. The second runs `soundloom generate` as a user would (a fresh
process, no cache) and prints its CPU seconds (user + system, start-up included), real-time
factor and peak RSS, against the floor: what the same length costs for one 4th-order filter
pass, one FFT convolution with a 2 s reverb and one write of the file (one encode for OGG).
`python bench/render.py --smoke` is the quick CI variant.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

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


# A child's ru_maxrss starts from its parent's resident size at fork (it survives exec), and this
# benchmark holds 600 s scenes: each job is started by a small interpreter that measures it.
_MEASURER = (
    "import json, os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "child.returncode = os.waitstatus_to_exitcode(status)\n"
    "print(json.dumps([usage.ru_utime + usage.ru_stime, usage.ru_maxrss, child.returncode]))\n"
)


def process_cost(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MB) of one child process, which must succeed."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURER, *args], env=env, capture_output=True, text=True
    )
    cpu, max_rss_kb, code = json.loads(measured.stdout.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed (exit {code})")
    return cpu, max_rss_kb / 1024.0


def whole_process(description: str, duration_s: float, fmt: str) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of one `soundloom generate` process."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "XDG_CACHE_HOME": folder}  # a fresh disk cache: the job runs
        out = Path(folder) / f"scene.{fmt}"
        args = [sys.executable, "-m", "soundloom.cli", "generate", description]
        args += ["--duration", f"{duration_s:g}", "--seed", "1", "-o", str(out), "-q"]
        return process_cost(args, env)


def start_up_seconds() -> float:
    """CPU seconds of a process that imports what a generate imports and does no work."""
    code = (
        "import soundloom.cli, soundloom.client, soundloom_server.engine.produce, "
        "soundloom_server.engine.renderers.procedural.recipes as r; r.all_recipes()"
    )
    return process_cost([sys.executable, "-c", code], dict(os.environ))[0]


def floor_seconds(duration_s: float, fmt: str, sample_rate: int = 48000) -> float:
    """CPU seconds of the work any job of this length must do: one filter pass over the
    stereo scene, one FFT convolution with a 2 s impulse response, one write of the file."""
    rng = np.random.default_rng(0)
    frames = round(duration_s * sample_rate)
    audio = rng.standard_normal((frames, 2)).astype(np.float32) * np.float32(0.05)
    impulse = rng.standard_normal(2 * sample_rate) * np.exp(-np.arange(2 * sample_rate) / 24000)
    sos = signal.butter(4, 8000.0, fs=sample_rate, output="sos")
    start = time.process_time()
    filtered = signal.sosfilt(sos, audio, axis=0).astype(np.float32)
    wet = signal.oaconvolve(filtered[:, 0], impulse.astype(np.float32))[:frames]
    filtered[:, 0] += np.float32(0.1) * wet.astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        encode(Path(folder) / f"floor.{fmt}", filtered, sample_rate, fmt)
    return time.process_time() - start


def print_whole_processes(durations: list[float], formats: tuple[str, ...]) -> None:
    """The second table: whole processes against the floor."""
    print("\n# whole process: soundloom generate (harbour, seed 1, no cache) vs the floor")
    print(f"# start-up alone (the imports of a generate, no work): {start_up_seconds():.2f} CPU-s")
    print(
        f"{'scene':>8} {'length':>7} {'fmt':>4} {'CPU-s':>7} {'RTF':>6} {'peak RSS':>9} "
        f"{'floor CPU-s':>11} {'ratio':>13}"
    )
    for duration in durations:
        for fmt in formats:
            cpu, rss = whole_process(SCENES["harbour"], duration, fmt)
            floor = floor_seconds(duration, fmt)
            print(
                f"{'harbour':>8} {duration:>6.0f}s {fmt:>4} {cpu:>7.2f} {duration / cpu:>5.0f}x "
                f"{rss:>6.0f} MB {floor:>11.2f} {cpu / floor:>6.1f} x floor"
            )
            sys.stdout.flush()


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
    print_whole_processes(durations, ("wav",) if args.smoke else ("wav", "ogg"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
