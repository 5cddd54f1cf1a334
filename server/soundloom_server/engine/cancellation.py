"""Cancellation that reaches inside long work: a per-thread probe checked between blocks.

A 600 s bed is a handful of whole-buffer filter passes, each seconds long; checking only
between events let a cancelled render burn CPU for half a minute. The render thread installs
the caller's probe with `cancel_scope`; the block loops of filtering, mixing, mastering and
encoding call `raise_if_cancelled`, which costs one attribute read when nothing is installed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from soundloom_server.engine.errors import Cancelled

CancelFn = Callable[[], bool]
_local = threading.local()


@contextlib.contextmanager
def cancel_scope(cancelled: CancelFn | None) -> Iterator[None]:
    """Within the block, long loops on this thread stop (Cancelled) once `cancelled()` holds."""
    previous = getattr(_local, "probe", None)
    _local.probe = cancelled or previous
    try:
        yield
    finally:
        _local.probe = previous


def cancellable() -> bool:
    """Whether a probe is installed on this thread (long loops may then work in blocks)."""
    return getattr(_local, "probe", None) is not None


def raise_if_cancelled() -> None:
    """Raise Cancelled when this thread's caller has cancelled the work."""
    probe = getattr(_local, "probe", None)
    if probe is not None and probe():
        raise Cancelled("rendering was cancelled")
