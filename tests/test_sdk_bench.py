"""The SDK cache benchmark runs in smoke mode so CI notices when it breaks (no timed asserts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sdk_cache_bench_smoke_prints_a_row_per_client() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sdk_cache.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line.split() for line in result.stdout.splitlines() if " p50 " in line]
    assert [row[0] for row in rows] == ["Client", "AsyncClient"]
    for row in rows:
        assert float(row[row.index("p50") + 1]) > 0
