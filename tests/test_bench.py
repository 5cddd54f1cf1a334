"""The benchmarks run in smoke mode so CI notices when one breaks (figures are not asserted)."""

from __future__ import annotations

from bench_smoke import bench_smoke


def test_render_bench_smoke_prints_a_row_per_scene() -> None:
    out = bench_smoke("render.py")
    rows = [line.split() for line in out.splitlines() if line.strip().endswith("x")]
    assert {row[0] for row in rows} == {"harbour", "busy"}
    for row in rows:
        assert float(row[3].rstrip("x")) > 0  # a real-time factor was measured


def test_recipes_bench_smoke_times_every_recipe() -> None:
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    out = bench_smoke("recipes.py", "--no-matching")
    for recipe in all_recipes():
        assert any(line.split()[:1] == [recipe.name] for line in out.splitlines()), recipe.name


def test_load_bench_smoke_verifies_payloads_without_errors() -> None:
    out = bench_smoke("load.py")
    assert "errors: 0, every checksum verified" in out


def test_memory_bench_smoke_prints_peak_and_estimate() -> None:
    out = bench_smoke("memory.py")
    rows = [line.split() for line in out.splitlines() if line.startswith("20 s")]
    assert len(rows) == 1
    peak, estimate = float(rows[0][4]), float(rows[0][8])
    assert peak > 0 and estimate > 0


def test_dub_bench_smoke_prints_analysis_and_real_time() -> None:
    out = bench_smoke("dub.py")
    assert "CPU-s per minute of video" in out and "x real time" in out
