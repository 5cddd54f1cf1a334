"""Connection limits for the HTTP gateway: idle timeouts and a cap that never starves a client.

aiohttp keeps an idle or half-sent connection for an hour by default, so a few thousand silent
sockets exhaust the process's file descriptors and every endpoint stops answering. The gateway
closes connections that send no complete request within `idle_timeout_s`, and holds at most
`max_connections`: at the cap, the longest-idle connection is closed to admit the new one; when
every connection is busy, the newcomer gets a 503 with Retry-After instead of a hang.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import ssl
from collections.abc import Callable

from aiohttp import web

log = logging.getLogger("soundloom.server")

_BUSY = json.dumps(
    {
        "error": {
            "code": 14,
            "status": "UNAVAILABLE",
            "message": "the server is at its connection cap and every connection is busy; retry",
        }
    }
).encode()
OVER_CAPACITY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY), _BUSY)
)


class _Refuse(asyncio.Protocol):
    """Answers one 503 and closes: the reply to a connection past the cap."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(OVER_CAPACITY)
        transport.close()


def _is_open(handler: web.RequestHandler) -> bool:
    # A closed connection stays listed until its close callback runs (the next loop turn);
    # it must count neither as held nor as one to close again.
    transport = handler.transport
    return transport is not None and not transport.is_closing()


def _is_idle(handler: web.RequestHandler) -> bool:
    # aiohttp exposes no public "between requests" flag; a handler with no request in progress
    # is waiting for one (or for its first).
    return _is_open(handler) and not getattr(handler, "_request_in_progress", True)


def capped_factory(server: web.Server, max_connections: int) -> Callable[[], asyncio.BaseProtocol]:
    """A protocol factory for `loop.create_server` that keeps `server` under the cap."""

    def make() -> asyncio.BaseProtocol:
        connections = [h for h in server.connections if _is_open(h)]
        if len(connections) >= max_connections:
            idle = next((h for h in connections if _is_idle(h)), None)  # oldest first
            if idle is None:
                return _Refuse()
            idle.force_close()
        return server()

    return make


ACCEPT_BATCH = 128  # asyncio accepts up to `backlog` sockets per loop turn
FD_RESERVE = 64  # descriptors kept for gRPC, the store, logs and worker pipes


def effective_cap(max_connections: int) -> int:
    """The cap, lowered so held connections plus one accept batch fit the descriptor limit."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ValueError, OSError):
        return max_connections
    if soft == resource.RLIM_INFINITY:
        return max_connections
    room = soft - FD_RESERVE - min(ACCEPT_BATCH, max_connections)
    return max(1, min(max_connections, room))


async def listen(
    runner: web.AppRunner,
    host: str,
    port: int,
    max_connections: int,
    context: ssl.SSLContext | None,
) -> asyncio.Server:
    """Serve `runner`'s application on host:port under the connection cap."""
    loop = asyncio.get_running_loop()
    assert runner.server is not None, "runner.setup() first"
    cap = effective_cap(max_connections)
    if cap < max_connections:
        log.warning(
            "max connections %d lowered to %d to fit the open-file limit", max_connections, cap
        )
    return await loop.create_server(
        capped_factory(runner.server, cap),
        host,
        port,
        ssl=context,
        reuse_port=False,
        backlog=min(cap, ACCEPT_BATCH),
    )
