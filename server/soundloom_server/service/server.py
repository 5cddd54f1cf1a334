"""The Soundloom server: one Servicer behind a grpc.aio server and the HTTP/JSON gateway.

Both transports share one event loop, one render queue and one asset store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc
from aiohttp import web
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
from soundloom_server.engine.footprint import default_render_budget_bytes
from soundloom_server.service.auth import BearerTokenInterceptor
from soundloom_server.service.connections import listen
from soundloom_server.service.gateway import MAX_BODY_BYTES, build_app
from soundloom_server.service.grpc_transport import DecodeGuardInterceptor, GrpcServicer
from soundloom_server.service.metrics import Metrics
from soundloom_server.service.render_queue import RenderQueue
from soundloom_server.service.servicer import Servicer
from soundloom_server.service.store import AssetStore

log = logging.getLogger("soundloom.server")
STORE_PROBE_S = 1.0  # how often an unwritable store is tried again
GRPC_MAX_IDLE_MS = 5 * 60_000  # channels reconnect transparently after an idle close
GRPC_KEEPALIVE_MS = 60_000  # pings find peers that vanished without a FIN

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["Soundloom"].full_name
MAX_CONCURRENT_RPCS = 4096


@dataclass(frozen=True)
class ServerConfig:
    """Where to listen, where to store, how much to run at once, and how to secure it."""

    store: Path
    host: str = "127.0.0.1"
    grpc_port: int = 50051  # 0 = pick a free port
    http_port: int = 8080  # 0 = pick a free port; -1 = no gateway
    store_max_bytes: int = 2 << 30
    workers: int = max(1, os.cpu_count() or 1)
    max_queue: int = 64
    token: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    grace_s: float = 30.0
    max_render_bytes: int | None = None  # None = half of memory shared by the workers
    store_min_free_bytes: int = 0  # evict while the disk has less free than this
    # Connections: an HTTP connection that sends no complete request in this long is closed;
    # at most this many are held (the longest-idle one makes room for a new client).
    idle_timeout_s: float = 15.0
    max_connections: int = 1024
    # Browser origins allowed to call the gateway (CORS; "*" = any); empty = CORS off.
    cors_origins: tuple[str, ...] = ()


class BindError(OSError):
    """A transport could not listen on its address; `flag` names the CLI option to change."""

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(message)
        self.flag = flag


def warm_engine() -> None:
    """Load the registries, recipes and the planner's vocabulary at start-up.

    The engine loads them lazily on first use; doing it here keeps that cost (imports, the
    lexicon's phrase index) out of the first request's latency.
    """
    from soundloom_server.engine.pipeline import plan_scene
    from soundloom_server.engine.plan import RenderOptions, SceneRequest
    from soundloom_server.engine.registry import get_renderer, planner_names, renderer_names
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    all_recipes()
    planner_names()
    for name in renderer_names():
        get_renderer(name)
    plan_scene(SceneRequest(description="rain, a door slams", duration_s=1.0), RenderOptions())


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class SoundloomServer:
    """Start, report the bound ports, and stop gracefully (health first, then drain)."""

    def __init__(self, config: ServerConfig) -> None:
        if (config.tls_cert is None) != (config.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together: give both or neither")
        self.config = config
        self.grpc_port = 0
        self.http_port = 0
        self._serving = False
        self.queue = RenderQueue(config.workers, config.max_queue)
        self.metrics = Metrics(
            queue_depth=lambda: self.queue.depth, renders_running=lambda: self.queue.running
        )
        self.store = AssetStore(
            config.store,
            config.store_max_bytes,
            on_evict=lambda _id: self.metrics.store_evictions.inc(),
            min_free_bytes=config.store_min_free_bytes,
        )
        budget = config.max_render_bytes or default_render_budget_bytes(config.workers)
        self.servicer = Servicer(self.store, self.queue, self.metrics, budget)
        self.health = health.aio.HealthServicer()
        self._grpc: grpc.aio.Server | None = None
        self._runner: web.AppRunner | None = None
        self._watch: asyncio.Task[None] | None = None
        self._listener: asyncio.Server | None = None

    @property
    def serving(self) -> bool:
        """Whether the server takes new work (False once shutdown began)."""
        return self._serving

    @property
    def tls(self) -> bool:
        """Whether both transports serve TLS."""
        return self.config.tls_cert is not None

    async def start(self) -> None:
        """Bind both transports and start serving; BindError when a port cannot be bound."""
        config = self.config
        await asyncio.to_thread(warm_engine)
        interceptors: list[grpc.aio.ServerInterceptor] = [DecodeGuardInterceptor()]
        if config.token:
            interceptors.append(BearerTokenInterceptor(config.token, self.metrics))
        server = grpc.aio.server(
            interceptors=interceptors,
            options=[
                # A second server must not silently share the port (REFERENCE.md, gRPC).
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", MAX_BODY_BYTES),
                # A TCP connection that never completes its HTTP/2 handshake, or an idle one,
                # is closed rather than held (each costs a file descriptor).
                ("grpc.server_handshake_timeout_ms", int(config.idle_timeout_s * 1000)),
                ("grpc.max_connection_idle_ms", GRPC_MAX_IDLE_MS),
                ("grpc.keepalive_time_ms", GRPC_KEEPALIVE_MS),
                ("grpc.keepalive_timeout_ms", 20_000),
            ],
            maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
        )
        pb_grpc.add_SoundloomServicer_to_server(GrpcServicer(self.servicer, self.metrics), server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        address = _host_port(config.host, config.grpc_port)
        try:
            if self.tls:
                assert config.tls_cert is not None and config.tls_key is not None
                credentials = grpc.ssl_server_credentials(
                    [(config.tls_key.read_bytes(), config.tls_cert.read_bytes())]
                )
                port = server.add_secure_port(address, credentials)
            else:
                port = server.add_insecure_port(address)
        except RuntimeError as exc:  # newer grpcio raises instead of returning 0
            raise BindError("--grpc-port", f"cannot listen on {address}: {exc}") from None
        if port == 0:
            raise BindError("--grpc-port", f"cannot listen on {address}: in use or not available")
        await server.start()
        self._grpc, self.grpc_port = server, port
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._serving = True
        self._watch = asyncio.create_task(self._watch_store())
        if config.http_port >= 0:
            try:
                await self._start_gateway()
            except BaseException:
                await server.stop(None)
                raise
        log.info(
            "gRPC listening on %s (%s)",
            _host_port(config.host, self.grpc_port),
            "TLS" if self.tls else "insecure",
        )
        if self._runner is not None:
            log.info("HTTP/JSON gateway listening on %s", self.http_url)
        log.info(
            "store %s (cap %d bytes), %d workers, queue %d, auth %s",
            config.store,
            config.store_max_bytes,
            config.workers,
            config.max_queue,
            "bearer token" if config.token else "off",
        )

    async def _start_gateway(self) -> None:
        config = self.config
        app = build_app(
            self.servicer, self.metrics, self._healthy, config.token, config.cors_origins
        )
        runner = web.AppRunner(
            app,
            handler_cancellation=True,
            shutdown_timeout=config.grace_s,
            access_log=None,
            keepalive_timeout=config.idle_timeout_s,
        )
        await runner.setup()
        context = None
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(config.tls_cert), str(config.tls_key))
        try:
            listener = await listen(
                runner, config.host, config.http_port, config.max_connections, context
            )
        except OSError as exc:
            await runner.cleanup()
            address = _host_port(config.host, config.http_port)
            raise BindError("--http-port", f"cannot listen on {address}: {exc.strerror}") from None
        self._runner, self._listener = runner, listener
        self.http_port = int(listener.sockets[0].getsockname()[1])

    def _healthy(self) -> bool:
        # A store that cannot write cannot take a render: say so to load balancers.
        return self._serving and self.store.writable

    async def _watch_store(self) -> None:
        """Keep gRPC health in step with the store's disk; re-probe it while it refuses."""
        status = health_pb2.HealthCheckResponse
        reported = True
        while self._serving:
            if not self.store.writable:
                await asyncio.to_thread(self.store.check_writable)
            if self.store.writable != reported and self._serving:
                reported = self.store.writable
                state = status.SERVING if reported else status.NOT_SERVING
                for name in ("", SERVICE_NAME):
                    await self.health.set(name, state)
                log.warning(
                    "store %s is %s",
                    self.config.store,
                    "writable again" if reported else "refusing writes: NOT_SERVING",
                )
            await asyncio.sleep(STORE_PROBE_S)

    @property
    def grpc_target(self) -> str:
        """host:port for grpc channels."""
        return _host_port(self.config.host, self.grpc_port)

    @property
    def http_url(self) -> str:
        """The gateway's base URL."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{_host_port(self.config.host, self.http_port)}"

    async def stop(self, grace_s: float | None = None) -> None:
        """Health NOT_SERVING, refuse new calls, let in-flight ones finish within the grace."""
        grace = self.config.grace_s if grace_s is None else grace_s
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        self._serving = False
        if self._watch is not None:
            self._watch.cancel()
        await self.health.enter_graceful_shutdown()
        log.info(
            "shutting down: health NOT_SERVING, draining in-flight calls (grace %.1f s)", grace
        )
        # Both transports keep listening while draining, so probes see NOT_SERVING and new
        # calls get a clean UNAVAILABLE rather than a refused connection.
        if not await self.servicer.drain(grace):
            log.warning("grace period over: cancelling the calls still in flight")
        remaining = max(deadline - loop.time(), 0.0)
        draining = []
        if self._grpc is not None:
            draining.append(self._grpc.stop(remaining))
        if self._listener is not None:
            self._listener.close()  # no new connections; the runner drains the open ones
        if self._runner is not None:
            draining.append(self._runner.cleanup())
        await asyncio.gather(*draining)
        self.queue.close()
        log.info("stopped")
