"""Peak memory of a render, and the server's estimate that admits it.

Each scene renders in a fresh process, the whole job a user runs (render -> mix -> master ->
package: the OGG file, measured as decoded, and its sidecar); its peak RSS (`ru_maxrss`) is
printed beside the RSS after imports and `render_footprint_bytes`, the estimate the server
compares to `--max-render-bytes` before it renders (it should exceed peak - imports). Goal:
< 600 MB peak RSS for a 600 s, 8-event scene.
`python bench/memory.py --smoke` is the quick CI variant (a 20 s scene).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

BEDS = ("rain", "wind", "fire", "stream", "crickets", "ocean_waves", "birds", "crowd_murmur")

CHILD = r"""
import json, resource, sys, tempfile
from pathlib import Path
from soundloom_server.engine.footprint import render_footprint_bytes
from soundloom_server.engine.package import package_scene
from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan

seconds, names = float(sys.argv[1]), sys.argv[2].split(",")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
events = tuple(Event(f"{n}-1", EventKind.AMBIENCE, n, n, 0.0, seconds) for n in names)
plan, options = ScenePlan(duration_s=seconds, events=events), RenderOptions(seed=1)
scene = render_scene(plan, options)
with tempfile.TemporaryDirectory() as tmp:
    package_scene(scene, options, Path(tmp) / "scene.ogg", "bench")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mb": peak / 1024, "imports_mb": base / 1024,
                  "estimate_mb": render_footprint_bytes(plan, options) / 2**20}))
"""


def measure(seconds: float, events: int) -> dict[str, float]:
    """Peak RSS (MB) of one render in a fresh process, and the admission estimate (MB)."""
    names = ",".join(BEDS[i % len(BEDS)] for i in range(events))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(seconds), names],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Print one row per scene length."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one short scene (CI)")
    args = parser.parse_args()
    scenes = [(20.0, 8)] if args.smoke else [(60.0, 8), (600.0, 1), (600.0, 8)]
    print(f"{'scene':<14} {'peak RSS':>10} {'after imports':>14} {'estimate':>10}")
    for seconds, events in scenes:
        row = measure(seconds, events)
        label = f"{seconds:g} s x {events}"
        print(
            f"{label:<14} {row['peak_mb']:>7.0f} MB {row['imports_mb']:>11.0f} MB "
            f"{row['estimate_mb']:>7.0f} MB"
        )


if __name__ == "__main__":
    main()
