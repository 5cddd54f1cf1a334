"""Events rendered ahead on worker threads: same pieces, same order, same bytes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import RenderOptions, SceneRequest
from soundloom_server.engine.planners.rules import RulesPlanner
from soundloom_server.engine.render_ahead import THREADS_ENV, in_order, render_threads


def test_pieces_come_in_job_order_even_when_a_later_job_finishes_first() -> None:
    later_started = threading.Event()

    def first() -> Iterator[str]:
        # Held until the second job has produced a piece: it finishes after it.
        assert later_started.wait(timeout=10)
        yield from ("a0", "a1", "a2")

    def second() -> Iterator[str]:
        yield "b0"
        later_started.set()
        yield "b1"

    got = list(in_order([(0, first), (1, second), (2, lambda: iter(["c0"]))], threads=2))
    assert got == [(0, "a0"), (0, "a1"), (0, "a2"), (1, "b0"), (1, "b1"), (2, "c0")]


def test_a_failing_job_raises_in_its_turn_and_an_early_exit_stops_the_workers() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("recipe broke")

    seen = []
    with pytest.raises(RuntimeError, match="recipe broke"):
        for index, piece in in_order([(0, lambda: iter([0])), (1, broken)], threads=3):
            seen.append((index, piece))
    assert seen == [(0, 0), (1, 1)]

    endless_started = threading.Event()

    def endless() -> Iterator[int]:
        endless_started.set()
        n = 0
        while True:
            yield n
            n += 1

    pieces = in_order([(0, endless), (1, endless)], threads=2)
    assert next(pieces) == (0, 0)
    pieces.close()  # returns only once both workers have given up their full lanes
    assert endless_started.is_set()


def test_a_scene_renders_the_same_bytes_on_one_thread_and_on_three(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = SceneRequest(
        "rain on a tin roof, footsteps on wet planks, a door slams, distant thunder",
        duration_s=4.0,
    )
    plan = RulesPlanner().plan(request, seed=2)
    assert len(plan.events) >= 4
    scenes = []
    for threads in ("1", "3"):
        monkeypatch.setenv(THREADS_ENV, threads)
        assert render_threads() == int(threads)
        scenes.append(render_scene(plan, RenderOptions(seed=2)).audio)
    assert np.array_equal(scenes[0], scenes[1])


def test_the_thread_count_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "two")
    with pytest.raises(ValueError, match=THREADS_ENV):
        render_threads()
    monkeypatch.setenv(THREADS_ENV, "0")
    with pytest.raises(ValueError, match=THREADS_ENV):
        render_threads()
    monkeypatch.delenv(THREADS_ENV)
    assert render_threads() == 1
