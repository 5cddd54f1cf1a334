"""A bounded render queue over a pool of worker threads, with single flight per key.

Rendering is NumPy/SciPy work that releases the GIL in its heavy parts, so threads keep the
event loop responsive. Identical requests (same key) in flight share one job; a job whose every
waiter has gone (cancelled, deadline) is told to stop through its `cancelled` callback.
All bookkeeping runs on the event loop thread; only `work` runs on a worker.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from soundloom_server.service.errors import ServiceError

ProgressFn = Callable[[str, float, str], None]
Work = Callable[[ProgressFn, Callable[[], bool]], Any]
RETRY_AFTER_S = 1.0


class RenderJob:
    """One render in the queue or on a worker, and the callers waiting for it."""

    def __init__(self, key: str, work: Work, loop: asyncio.AbstractEventLoop) -> None:
        self.key = key
        self.work = work
        self.loop = loop
        self.result: asyncio.Future[Any] = loop.create_future()
        self.cancel_flag = threading.Event()
        self.started = False
        self.lane = "cpu"
        self._listeners: list[asyncio.Queue[tuple[str, float, str] | None]] = []

    def subscribe(self) -> asyncio.Queue[tuple[str, float, str] | None]:
        """A queue of (stage, fraction, message) progress, ended by None when the job ends."""
        listener: asyncio.Queue[tuple[str, float, str] | None] = asyncio.Queue()
        if self.result.done():
            listener.put_nowait(None)
        self._listeners.append(listener)
        return listener

    def unsubscribe(self, listener: asyncio.Queue[tuple[str, float, str] | None]) -> int:
        """Stop listening; returns how many listeners are left."""
        if listener in self._listeners:
            self._listeners.remove(listener)
        return len(self._listeners)

    def publish(self, item: tuple[str, float, str] | None) -> None:
        """Hand progress (or the end, None) to every listener; event loop thread only."""
        for listener in self._listeners:
            listener.put_nowait(item)

    def progress_from_worker(self, stage: str, fraction: float, message: str = "") -> None:
        """The `progress` callback handed to `work` (runs on the worker thread)."""
        self.loop.call_soon_threadsafe(self.publish, (stage, fraction, message))


class _Lane:
    """Workers of one kind: their pool, the jobs waiting for them and how many are busy."""

    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix=f"soundloom-{name}")
        self.waiting: deque[RenderJob] = deque()
        self.running = 0


class RenderQueue:
    """At most `workers` renders at once and `max_queue` waiting; more is RESOURCE_EXHAUSTED.

    Neural work (diffusion, LLM planning) goes to its own lane of one worker: one model on one
    GPU at a time, batched inside the job, while procedural renders use the CPU lane.
    """

    def __init__(self, workers: int, max_queue: int, neural_workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if max_queue < 0:
            raise ValueError(f"max_queue must be >= 0, got {max_queue}")
        if neural_workers < 1:
            raise ValueError(f"neural_workers must be >= 1, got {neural_workers}")
        self.workers = workers
        self.max_queue = max_queue
        self._lanes = {"cpu": _Lane("cpu", workers), "neural": _Lane("neural", neural_workers)}
        self._in_flight: dict[str, RenderJob] = {}
        self._closed = False

    @property
    def depth(self) -> int:
        """Jobs waiting for a worker."""
        return sum(len(lane.waiting) for lane in self._lanes.values())

    @property
    def running(self) -> int:
        """Jobs on a worker now."""
        return sum(lane.running for lane in self._lanes.values())

    def submit(self, key: str, work: Work, lane: str = "cpu") -> tuple[RenderJob, bool]:
        """The job for `key`: the one in flight (joined, True) or a new one (False)."""
        job = self._in_flight.get(key)
        if job is not None and not job.cancel_flag.is_set():
            return job, True
        if self._closed:
            raise ServiceError(grpc.StatusCode.UNAVAILABLE, "the server is shutting down")
        chosen = self._lanes[lane]
        if chosen.running >= chosen.workers and len(chosen.waiting) >= self.max_queue:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"render queue is full ({chosen.running} rendering, {len(chosen.waiting)} "
                f"waiting on the {lane} workers, max_queue {self.max_queue}); retry later",
                retry_after_s=RETRY_AFTER_S,
            )
        job = RenderJob(key, work, asyncio.get_running_loop())
        job.lane = lane
        self._in_flight[key] = job
        chosen.waiting.append(job)
        self._start_ready(chosen)
        return job, False

    def position(self, job: RenderJob) -> int:
        """Jobs ahead of `job` in its lane's queue; 0 when it is running."""
        if job.started:
            return 0
        try:
            return self._lanes[job.lane].waiting.index(job) + 1
        except ValueError:
            return 0

    def abandon(self, job: RenderJob) -> None:
        """Its last waiter left: stop the job (queued: dropped; running: at its next check)."""
        job.cancel_flag.set()
        if self._in_flight.get(job.key) is job:
            del self._in_flight[job.key]
        waiting = self._lanes[job.lane].waiting
        if not job.started and job in waiting:
            waiting.remove(job)
            if not job.result.done():
                job.result.cancel()
            job.publish(None)

    def _start_ready(self, lane: _Lane) -> None:
        while lane.waiting and lane.running < lane.workers:
            job = lane.waiting.popleft()
            job.started = True
            lane.running += 1
            future = job.loop.run_in_executor(
                lane.pool, job.work, job.progress_from_worker, job.cancel_flag.is_set
            )
            future.add_done_callback(lambda f, j=job: self._finished(j, f))

    def _finished(self, job: RenderJob, future: asyncio.Future[Any]) -> None:
        lane = self._lanes[job.lane]
        lane.running -= 1
        if self._in_flight.get(job.key) is job:
            del self._in_flight[job.key]
        if not job.result.done():
            if future.cancelled():
                job.result.cancel()
            elif future.exception() is not None:
                job.result.set_exception(future.exception())  # type: ignore[arg-type]
            else:
                job.result.set_result(future.result())
        # Nobody may be left to read an error; mark it retrieved so asyncio does not log it.
        if not job.result.cancelled():
            job.result.exception()
        job.publish(None)
        self._start_ready(lane)

    def close(self) -> None:
        """Refuse new jobs, stop every job, and let the workers finish their current event."""
        self._closed = True
        waiting = [job for lane in self._lanes.values() for job in lane.waiting]
        for job in [*waiting, *self._in_flight.values()]:
            self.abandon(job)
        for lane in self._lanes.values():
            lane.pool.shutdown(wait=False, cancel_futures=True)
