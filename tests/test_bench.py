"""The benchmarks run in smoke mode so CI notices when one breaks (figures are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_render_bench_smoke_prints_a_row_per_scene() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "render.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line.split() for line in result.stdout.splitlines() if line.strip().endswith("x")]
    assert {row[0] for row in rows} == {"harbour", "busy"}
    for row in rows:
        assert float(row[3].rstrip("x")) > 0  # a real-time factor was measured
