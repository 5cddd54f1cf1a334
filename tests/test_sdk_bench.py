"""The SDK cache benchmark runs in smoke mode so CI notices when it breaks (no timed asserts)."""

from __future__ import annotations

from bench_smoke import bench_smoke


def test_sdk_cache_bench_smoke_prints_a_row_per_client() -> None:
    out = bench_smoke("sdk_cache.py")
    rows = [line.split() for line in out.splitlines() if " p50 " in line]
    assert [row[0] for row in rows] == ["Client", "AsyncClient"]
    for row in rows:
        assert float(row[row.index("p50") + 1]) > 0
