"""`soundloom serve`: its arguments and its run loop (SIGTERM/SIGINT drain, then exit 0).

Kept apart from the server so that building the CLI parser imports neither grpc nor aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

from soundloom_server.engine.errors import InvalidArgument

TOKEN_ENV = "SOUNDLOOM_TOKEN"
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", re.IGNORECASE)
ORIGIN = re.compile(r"https?://[^/\s:]+(:\d{1,5})?|https?://\[[0-9a-fA-F:.]+\](:\d{1,5})?")
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from '2147483648', '512M', '2G' or '1.5GiB'."""
    match = SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"expected bytes like 512M or 2G, got {text!r}")
    return int(float(match.group(1)) * UNITS[match.group(2).upper()])


def _default_store() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("soundloom")) / "server-store"


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """The `soundloom serve` command's arguments, on the parser the CLI made for it."""
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--grpc-port", type=int, default=50051, help="gRPC port (default 50051; 0 = any free)"
    )
    serve.add_argument(
        "--http-port",
        type=int,
        default=8080,
        help="HTTP/JSON gateway port (default 8080; 0 = any free; -1 = no gateway)",
    )
    serve.add_argument("--store", type=Path, help="asset store directory (default: user cache)")
    serve.add_argument(
        "--store-max-bytes",
        type=parse_size,
        default=2 << 30,
        metavar="SIZE",
        help="store size cap, least recently used evicted (default 2G)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="close a connection that sends no complete request in S seconds (default 15)",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=1024,
        help="HTTP connections held at once; the longest-idle makes room (default 1024)",
    )
    serve.add_argument(
        "--store-min-free",
        type=parse_size,
        default=0,
        metavar="SIZE",
        help="also evict while the store's disk has less free space than this (default 0)",
    )
    serve.add_argument(
        "--max-render-bytes",
        type=parse_size,
        default=None,
        metavar="SIZE",
        help="memory one render may need, estimated from its plan; larger plans are refused "
        "with RESOURCE_EXHAUSTED (default: half of memory / workers)",
    )
    serve.add_argument(
        "--workers", type=int, default=max(1, os.cpu_count() or 1), help="render workers"
    )
    serve.add_argument(
        "--max-queue", type=int, default=64, help="renders that may wait for a worker"
    )
    serve.add_argument(
        "--token", help=f"require 'authorization: Bearer <token>' (default: ${TOKEN_ENV})"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browsers on ORIGIN (e.g. http://localhost:8060, or *) call the HTTP gateway: "
        "web exports of games; repeatable (default: CORS off)",
    )
    serve.add_argument("--tls-cert", type=Path, metavar="PEM", help="TLS certificate chain")
    serve.add_argument("--tls-key", type=Path, metavar="PEM", help="TLS private key")
    serve.add_argument(
        "--grace", type=float, default=30.0, help="seconds in-flight calls get on SIGTERM"
    )
    serve.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")


def _config(args: argparse.Namespace) -> Any:
    from soundloom_server.service.server import ServerConfig

    for flag, value, low in (
        ("--workers", args.workers, 1),
        ("--max-queue", args.max_queue, 0),
        ("--grpc-port", args.grpc_port, 0),
        ("--http-port", args.http_port, -1),
    ):
        if value < low or value > 65535:
            raise InvalidArgument(flag, f"must be in [{low}, 65535], got {value}")
    if not 1 <= args.max_connections <= 65535:
        raise InvalidArgument(
            "--max-connections", f"must be in [1, 65535], got {args.max_connections}"
        )
    if not 0.1 <= args.idle_timeout <= 3600:
        raise InvalidArgument(
            "--idle-timeout", f"must be in [0.1, 3600] seconds, got {args.idle_timeout}"
        )
    if not 0 <= args.grace <= 3600:
        raise InvalidArgument("--grace", f"must be in [0, 3600] seconds, got {args.grace}")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InvalidArgument("--tls-cert", "and --tls-key go together: give both or neither")
    for flag, path in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
        if path is not None and not path.is_file():
            raise InvalidArgument(flag, f"must be a readable PEM file, got {path}")
    for origin in args.cors_origin:
        if origin != "*" and ORIGIN.fullmatch(origin) is None:
            raise InvalidArgument(
                "--cors-origin", f"must be * or scheme://host[:port] with no path, got {origin!r}"
            )
    return ServerConfig(
        cors_origins=tuple(args.cors_origin),
        store=args.store or _default_store(),
        host=args.host,
        grpc_port=args.grpc_port,
        http_port=args.http_port,
        store_max_bytes=args.store_max_bytes,
        workers=args.workers,
        max_queue=args.max_queue,
        token=args.token or os.environ.get(TOKEN_ENV) or None,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        grace_s=args.grace,
        max_render_bytes=args.max_render_bytes,
        store_min_free_bytes=args.store_min_free,
        idle_timeout_s=args.idle_timeout,
        max_connections=args.max_connections,
    )


async def serve(config: Any) -> None:
    """Run until SIGTERM or SIGINT, then drain gracefully."""
    from soundloom_server.service.server import SoundloomServer

    server = SoundloomServer(config)
    await server.start()
    http = server.http_url if server.http_port else "off"
    # One machine-readable line on stdout: tests and scripts read the bound ports from it.
    print(f"soundloom serve: grpc {server.grpc_target} http {http}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop()


def run_serve(args: argparse.Namespace) -> int:
    """Handle `soundloom serve`; exit code 0 after a graceful stop."""
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from soundloom_server.service.server import BindError
    from soundloom_server.service.store import StoreUnwritable

    config = _config(args)
    try:
        asyncio.run(serve(config))
    except BindError as exc:
        raise InvalidArgument(exc.flag, str(exc)) from None
    except StoreUnwritable as exc:
        raise InvalidArgument("--store", f"must be a writable directory: {exc}") from None
    return 0
