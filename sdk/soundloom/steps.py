"""One operation written once, run two ways: blocking (`Client`) or awaited (`AsyncClient`).

An operation is a generator of steps, the pieces of work the two clients run differently:
`Local` work in this process (the cache, hashing, the embedded engine) runs in place when
blocking and on a worker thread when awaited, so the event loop is never blocked; `Remote` is
a call on the client's gRPC transport (`grpc` or `grpc.aio`); `Concurrently` runs several
operations at once. What lies between the steps (reading arguments, building messages) is plain
code, shared by both. The rest of an operation reads as a function: `x = yield Local(...)`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class Local:
    """Blocking work in this process: in place, or on a worker thread when awaited."""

    work: Callable[[], Any]


@dataclass(frozen=True)
class Remote:
    """A call on the transport: `call(transport)` gives the result, or (grpc.aio) an awaitable."""

    call: Callable[[Any], Any]


@dataclass(frozen=True)
class Concurrently:
    """Several operations at once, at most `limit` at a time; their results in the order given.

    With `return_exceptions`, an operation's failure takes its place among the results."""

    operations: Sequence[Callable[[], Steps[Any]]]
    limit: int
    return_exceptions: bool


Step = Local | Remote | Concurrently
Steps = Generator[Step, Any, T]


def run_blocking(steps: Steps[T], transport: Any) -> T:
    """Run an operation's steps in place, one after the other; its result."""
    driver = _drive(steps, functools.partial(_run_in_place, transport=transport))
    # Nothing a blocking step runs ever suspends, so the driver finishes on its first send.
    try:
        driver.send(None)
    except StopIteration as finished:
        return finished.value
    driver.close()
    raise RuntimeError("a blocking step suspended: it belongs to the awaited client")


async def run_awaited(steps: Steps[T], transport: Any) -> T:
    """Run an operation's steps on the event loop, blocking work on worker threads."""
    return await _drive(steps, functools.partial(_run_awaited, transport=transport))


async def _drive(steps: Steps[T], run: Callable[[Step], Awaitable[Any]]) -> T:
    """Feed each step's outcome back into the operation (a failure is raised inside it)."""
    outcome: Any = None
    failure: Exception | None = None
    while True:
        try:
            step = steps.send(outcome) if failure is None else steps.throw(failure)
        except StopIteration as finished:
            return finished.value
        try:
            outcome, failure = await run(step), None
        except Exception as exc:
            outcome, failure = None, exc


def blocking(
    operation: Callable[Concatenate[Any, P], Steps[T]],
) -> Callable[Concatenate[Any, P], T]:
    """The operation as a blocking method of a client (an object with a `transport`)."""

    @functools.wraps(operation)
    def method(client: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        return run_blocking(operation(client, *args, **kwargs), client.transport)

    return _signed_as_method(method, operation)


def awaitable(
    operation: Callable[Concatenate[Any, P], Steps[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """The operation as a coroutine method of a client (an object with a `transport`)."""

    @functools.wraps(operation)
    async def method(client: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        return await run_awaited(operation(client, *args, **kwargs), client.transport)

    return _signed_as_method(method, operation)


def _signed_as_method(method: Callable[..., Any], operation: Callable[..., Any]) -> Any:
    """`method` as help() should show it: `self`, and the result rather than `Steps[...]`."""
    signature = inspect.signature(operation)
    client, *rest = signature.parameters.values()
    returns = signature.return_annotation
    if isinstance(returns, str) and returns.startswith("Steps[") and returns.endswith("]"):
        returns = returns[len("Steps[") : -1]  # annotations are strings (future annotations)
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[client.replace(name="self", annotation=inspect.Parameter.empty), *rest],
        return_annotation=returns,
    )
    return method


async def _run_in_place(step: Step, transport: Any) -> Any:
    # Awaits nothing: see run_blocking.
    if isinstance(step, Local):
        return step.work()
    if isinstance(step, Remote):
        return step.call(transport)

    def one(operation: Callable[[], Steps[Any]]) -> Any:
        try:
            return run_blocking(operation(), transport)
        except Exception as exc:
            if step.return_exceptions:
                return exc
            raise

    with ThreadPoolExecutor(max_workers=step.limit) as pool:
        return list(pool.map(one, step.operations))


async def _run_awaited(step: Step, transport: Any) -> Any:
    if isinstance(step, Local):
        return await asyncio.to_thread(step.work)
    if isinstance(step, Remote):
        return await step.call(transport)
    gate = asyncio.Semaphore(step.limit)

    async def one(operation: Callable[[], Steps[Any]]) -> Any:
        async with gate:
            return await run_awaited(operation(), transport)

    runs = map(one, step.operations)
    return list(await asyncio.gather(*runs, return_exceptions=step.return_exceptions))
