"""Events rendered ahead on worker threads, their pieces handed over in plan order.

Filtering, FFTs and most NumPy work release the GIL, so a second core can synthesise the next
event while this thread mixes the current one. Pieces still reach the mix bus one at a time and
in the same order as without threads (event by event, piece by piece), so the float sums, and
the bytes, are the same whatever the thread count. Each worker holds at most one finished piece
it has not handed over, so memory grows by one piece per extra thread, not by whole events.

Measured on a 2-core machine: 2 threads make a 60 s harbour scene (`soundloom generate`) 1.1x
faster in wall time for 26 MB more peak RSS (305 -> 331 MB), a 600 s, 8-bed job 1.06x for
107 MB more (507 -> 614 MB, past the server's estimate and the 600 MB memory goal): the
longest event bounds the time. So one thread is the default and more are asked for:
$SOUNDLOOM_RENDER_THREADS (a workstation with cores to spare; a server's workers already run
jobs side by side).
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from soundloom_server.engine.cancellation import CancelFn, cancel_scope

THREADS_ENV = "SOUNDLOOM_RENDER_THREADS"
_POLL_S = 0.1  # how often a blocked worker looks whether the render was abandoned

Piece = TypeVar("Piece")
_END = object()


def render_threads() -> int:
    """Threads one render may use: $SOUNDLOOM_RENDER_THREADS (a whole number >= 1), else 1."""
    given = os.environ.get(THREADS_ENV, "").strip()
    if not given:
        return 1
    try:
        threads = int(given)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"${THREADS_ENV} must be a whole number >= 1, got {given!r}")
    return threads


def in_order(
    jobs: Iterable[tuple[int, Callable[[], Iterable[Piece]]]],
    threads: int,
    cancelled: CancelFn | None = None,
) -> Iterator[tuple[int, Piece]]:
    """(index, piece) for every piece of every job, in job order then piece order.

    Up to `threads` jobs run at once; one thread is plain iteration. A job's exception is
    raised here, when its turn comes; leaving the loop early stops the workers.
    """
    if threads <= 1:
        for index, pieces in jobs:
            for piece in pieces():
                yield index, piece
        return
    stop = threading.Event()
    pending = iter(jobs)
    lanes: deque[tuple[int, queue.Queue]] = deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="render") as pool:

        def start_next() -> None:
            job = next(pending, None)
            if job is not None:
                lane: queue.Queue = queue.Queue(maxsize=1)
                pool.submit(_work, job[1], lane, stop, cancelled)
                lanes.append((job[0], lane))

        try:
            for _ in range(threads):
                start_next()
            while lanes:
                index, lane = lanes.popleft()
                while (item := lane.get()) is not _END:
                    if isinstance(item, BaseException):
                        raise item
                    yield index, item
                start_next()
        finally:
            stop.set()  # workers blocked on a full lane give up; running ones finish a piece


def _work(
    pieces: Callable[[], Iterable[object]],
    lane: queue.Queue,
    stop: threading.Event,
    cancelled: CancelFn | None,
) -> None:
    """Render one job's pieces into its lane, then the end mark (or the error)."""
    with cancel_scope(cancelled):  # the probe is per thread: long loops here must see it too
        try:
            for piece in pieces():
                if not _hand_over(lane, piece, stop):
                    return
            item: object = _END
        except BaseException as exc:  # handed to the consumer, raised in its thread
            item = exc
    _hand_over(lane, item, stop)


def _hand_over(lane: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put `item` in the lane once there is room; False when the render was abandoned."""
    while not stop.is_set():
        try:
            lane.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False
