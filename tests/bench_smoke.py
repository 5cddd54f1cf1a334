"""A benchmark script run in smoke mode, as CI runs it, so CI notices when one breaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_smoke(script: str, *args: str) -> str:
    """What `bench/<script> --smoke ARGS` prints (it must exit 0 within five minutes)."""
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout
