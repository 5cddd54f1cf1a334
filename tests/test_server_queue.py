"""The render queue: lanes, single flight and back-pressure, driven directly on an event loop."""

from __future__ import annotations

import asyncio
import threading

import grpc
import pytest

from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan, SceneRequest
from soundloom_server.engine.registry import lane_for
from soundloom_server.service.errors import ServiceError
from soundloom_server.service.render_queue import RenderQueue


def test_neural_backends_go_to_the_neural_lane() -> None:
    request = SceneRequest("rain", duration_s=5.0)
    assert lane_for(request, RenderOptions()) == "cpu"
    assert lane_for(request, RenderOptions(renderer="diffusion")) == "neural"
    assert lane_for(request, RenderOptions(planner="llm")) == "neural"
    hybrid = ScenePlan(
        duration_s=5.0,
        events=(Event("a", EventKind.SFX, "door", "door", 0.0, 1.0, renderer="diffusion"),),
    )
    assert lane_for(hybrid, RenderOptions()) == "neural"


def test_one_neural_job_at_a_time_while_cpu_jobs_run_beside_it() -> None:
    async def scenario() -> None:
        queue = RenderQueue(workers=2, max_queue=4, neural_workers=1)
        active = {"neural": 0, "most_neural": 0}
        lock = threading.Lock()
        release = threading.Event()  # neural work holds its worker until the CPU job is done

        def neural(progress, cancelled):  # type: ignore[no-untyped-def]
            with lock:
                active["neural"] += 1
                active["most_neural"] = max(active["most_neural"], active["neural"])
            release.wait(10)
            with lock:
                active["neural"] -= 1
            return "n"

        def cpu(progress, cancelled):  # type: ignore[no-untyped-def]
            return "c"

        jobs = [queue.submit(f"n{i}", neural, "neural")[0] for i in range(3)]
        fast = queue.submit("c0", cpu)[0]
        assert await fast.result == "c"
        # The CPU job finished while the neural lane was still busy with its first job.
        assert not any(job.result.done() for job in jobs), "the CPU lane waited for the GPU lane"
        assert queue.position(jobs[2]) == 2
        release.set()
        assert [await job.result for job in jobs] == ["n", "n", "n"]
        assert active["most_neural"] == 1
        queue.close()

    asyncio.run(scenario())


def test_a_full_lane_refuses_with_resource_exhausted() -> None:
    async def scenario() -> None:
        queue = RenderQueue(workers=1, max_queue=1, neural_workers=1)
        gate = threading.Event()

        def slow(progress, cancelled):  # type: ignore[no-untyped-def]
            gate.wait(5)
            return 1

        queue.submit("a", slow, "neural")
        queue.submit("b", slow, "neural")
        with pytest.raises(ServiceError) as refused:
            queue.submit("c", slow, "neural")
        assert refused.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert queue.submit("d", slow)[1] is False, "the CPU lane still takes work"
        gate.set()
        queue.close()

    asyncio.run(scenario())
