"""`Client` and `AsyncClient`: the same methods, blocking and awaitable (as httpx's are).

`Client()` runs the engine in this process; `Client("host:port", token=..., tls=...)` talks gRPC
to a Soundloom server. Both look in the disk cache first, by the same content address the server
uses, so a cached `generate` needs neither the engine nor the server. Where the work runs is the
client's engine (`soundloom.engines`), chosen once. Each method is written once, as steps in
`soundloom.operations`, and listed once, on `BaseClient`; the two clients say how they run.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ClassVar, Concatenate, Generic, ParamSpec, TypeVar, overload

from soundloom import operations
from soundloom.cache import AssetCache
from soundloom.client_core import Core, Source, render_to_directory, scene_source
from soundloom.engines import EmbeddedEngine, ServerEngine
from soundloom.remote import AsyncRemoteTransport, RemoteTransport, RetryPolicy
from soundloom.steps import Steps, awaitable, blocking
from soundloom_server.engine.registry import BackendStatus as Backend

__all__ = [
    "AsyncClient",
    "Backend",
    "Client",
    "Source",
    "render_to_directory",
    "scene_source",
]

P = ParamSpec("P")
T = TypeVar("T")
Runner = Callable[[Callable[..., Steps[Any]]], Callable[..., Any]]


class ClientMethod(Generic[P, T]):
    """An operation as a method of both clients, run the way the client's class `runs` them."""

    def __init__(self, operation: Callable[Concatenate[Any, P], Steps[T]]) -> None:
        self.operation = operation
        self.__doc__ = operation.__doc__
        self._by_runner: dict[Runner, Callable[..., Any]] = {}

    @overload
    def __get__(self, client: None, owner: type[BaseClient]) -> Callable[..., Any]: ...

    @overload
    def __get__(
        self, client: AsyncClient, owner: type[BaseClient]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    @overload
    def __get__(self, client: BaseClient, owner: type[BaseClient]) -> Callable[P, T]: ...

    def __get__(self, client: BaseClient | None, owner: type[BaseClient]) -> Callable[..., Any]:
        function = self._by_runner.get(owner.runs)
        if function is None:
            function = self._by_runner.setdefault(owner.runs, owner.runs(self.operation))
        return function if client is None else function.__get__(client, owner)


class BaseClient:
    """What both clients are: arguments and cache (`core`), where the work runs (`engine`),
    for a server its gRPC transport, and every method but closing."""

    runs: ClassVar[Runner]  # blocking or awaitable: how this client runs an operation's steps
    transport_type: ClassVar[type[RemoteTransport] | type[AsyncRemoteTransport]]

    def __init__(
        self,
        target: str | None = None,
        *,
        token: str | None = None,
        tls: bool | str | Path | bytes = False,
        cache: AssetCache | bool = True,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.core = Core(target, cache, timeout)
        self.engine: EmbeddedEngine | ServerEngine = EmbeddedEngine(self.core)
        self.transport: RemoteTransport | AsyncRemoteTransport | None = None
        if target is not None:
            self.engine = ServerEngine(self.core)
            self.transport = self.transport_type(target, token, tls, retry)

    @property
    def cache(self) -> AssetCache:
        """The disk cache this client reads and writes."""
        return self.core.cache

    @property
    def target(self) -> str | None:
        """`host:port` of the server, or None in embedded mode."""
        return self.core.target

    plan = ClientMethod(operations.plan)
    generate = ClientMethod(operations.generate)
    render = ClientMethod(operations.render)
    generate_many = ClientMethod(operations.generate_many)
    continue_clip = ClientMethod(operations.continue_clip)
    dub = ClientMethod(operations.dub)
    backends = ClientMethod(operations.backends)


class Client(BaseClient):
    """Blocking client: the engine in-process (no target) or a Soundloom server over gRPC.

    Use as a context manager, or call `close()`.
    """

    runs = staticmethod(blocking)
    transport_type = RemoteTransport
    close = blocking(operations.close)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient):
    """Awaitable client, the mirror image of `Client`: the same methods, awaited.

    Embedded work runs on worker threads, so the event loop stays responsive.
    Use as an async context manager, or await `aclose()`.
    """

    runs = staticmethod(awaitable)
    transport_type = AsyncRemoteTransport
    aclose = awaitable(operations.close)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
