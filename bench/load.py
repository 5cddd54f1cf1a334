"""Load test: N concurrent clients on loopback against `soundloom serve`.

Phases, each a bounded count of requests: GenerateScene cache misses (distinct short scenes),
GenerateScene cache hits (the same again), cached GetAsset over gRPC, and cached
GET /v1/assets/{id} over the HTTP gateway. Every payload's sha256 is checked against the one
the server announced. Prints requests/s, p50/p95/p99 latency and time to first chunk per phase;
exits 1 on any error or checksum mismatch. Never a timed assert: the numbers are for reading.

    python bench/load.py                 # starts its own server (temporary store)
    python bench/load.py --smoke         # the quick CI variant
    python bench/load.py --target 127.0.0.1:50051 --http http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import grpc

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

DEADLINE_S = 120.0


@dataclass
class Phase:
    """Latencies, times to first chunk and errors of one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    first_chunks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def downloaded(
        self, info: pb.AssetInfo, sha256: str, started: float, first: float | None
    ) -> None:
        """A download that ended: its latency and first chunk kept, or a checksum error."""
        if sha256 != info.sha256:
            self.errors.append(f"checksum mismatch: {info.asset_id}")
            return
        self.latencies.append(time.perf_counter() - started)
        self.first_chunks.append(first or 0.0)

    def report(self) -> str:
        """One line: count, rate, latency and time-to-first-chunk percentiles."""
        n = len(self.latencies)
        rate = n / self.wall_s if self.wall_s else 0.0
        return (
            f"{self.name:<22} n={n:<6} errors={len(self.errors):<3} {rate:8.1f} req/s  "
            f"latency ms {_percentiles(self.latencies)}  first chunk ms "
            f"{_percentiles(self.first_chunks)}"
        )


def _percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "p50 -      p95 -      p99 -     "
    q = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {q[49] * 1e3:6.1f} p95 {q[94] * 1e3:6.1f} p99 {q[98] * 1e3:6.1f}"


def scene(seed: int) -> pb.GenerateSceneRequest:
    """A 2 s scene; distinct seeds are distinct assets."""
    return pb.GenerateSceneRequest(
        scene=pb.SceneRequest(description="rain on a tin roof, a door slams", duration_s=2.0),
        options=pb.RenderOptions(seed=seed),
    )


async def generate_once(
    stub: pb_grpc.SoundloomStub, request: pb.GenerateSceneRequest, phase: Phase, metadata: tuple
) -> pb.AssetInfo | None:
    """One GenerateScene call, every file's bytes checked against the AssetInfo."""
    started = time.perf_counter()
    first: float | None = None
    info: pb.AssetInfo | None = None
    files: dict[int, Any] = {}
    try:
        async for message in stub.GenerateScene(request, timeout=DEADLINE_S, metadata=metadata):
            which = message.WhichOneof("update")
            if which == "asset":
                info = message.asset
            elif which == "chunk":
                if first is None:
                    first = time.perf_counter() - started
                files.setdefault(message.chunk.file_index, hashlib.sha256()).update(
                    message.chunk.data
                )
    except grpc.aio.AioRpcError as exc:
        phase.errors.append(f"{exc.code().name}: {exc.details()}")
        return None
    assert info is not None
    for index, entry in enumerate(info.files):
        if index not in files or files[index].hexdigest() != entry.sha256:
            phase.errors.append(f"checksum mismatch: {info.asset_id} {entry.name}")
            return None
    phase.latencies.append(time.perf_counter() - started)
    phase.first_chunks.append(first or 0.0)
    return info


async def get_once(
    stub: pb_grpc.SoundloomStub, info: pb.AssetInfo, phase: Phase, metadata: tuple
) -> None:
    """One cached GetAsset of the main file, checked against its sha256."""
    started = time.perf_counter()
    first: float | None = None
    digest = hashlib.sha256()
    request = pb.GetAssetRequest(asset_id=info.asset_id)
    try:
        async for chunk in stub.GetAsset(request, timeout=DEADLINE_S, metadata=metadata):
            if first is None:
                first = time.perf_counter() - started
            digest.update(chunk.data)
    except grpc.aio.AioRpcError as exc:
        phase.errors.append(f"{exc.code().name}: {exc.details()}")
        return
    phase.downloaded(info, digest.hexdigest(), started, first)


async def http_get_once(
    session: aiohttp.ClientSession, base: str, info: pb.AssetInfo, phase: Phase
) -> None:
    """One cached GET /v1/assets/{id}, checked against its sha256."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    first: float | None = None
    try:
        async with session.get(f"{base}/v1/assets/{info.asset_id}") as response:
            if response.status != 200:
                phase.errors.append(f"HTTP {response.status}")
                return
            async for block in response.content.iter_any():
                if first is None:
                    first = time.perf_counter() - started
                digest.update(block)
    except aiohttp.ClientError as exc:
        phase.errors.append(f"HTTP error: {exc}")
        return
    phase.downloaded(info, digest.hexdigest(), started, first)


async def run_clients(
    clients: int, count: int, call: Callable[[int, int], Awaitable[None]], rate: float = 0.0
) -> float:
    """`count` calls spread over `clients` concurrent workers; returns wall seconds.

    With `rate` > 0 the calls start on a fixed schedule (open loop, `rate` per second in all),
    so latency is measured at that offered load rather than at saturation.
    """
    next_index = iter(range(count))
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def worker(client: int) -> None:
        for index in next_index:
            if rate > 0:
                await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
            await call(client, index)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in range(clients)))
    return time.perf_counter() - started


async def bench(args: argparse.Namespace, target: str, http: str | None) -> list[Phase]:
    """Run every phase against the server; returns the phases."""
    metadata = (("authorization", f"Bearer {args.token}"),) if args.token else ()
    # Each client its own connection, as separate game-build machines would have.
    channels = [
        grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(args.clients)
    ]
    stubs = [pb_grpc.SoundloomStub(c) for c in channels]
    base_seed = random.randrange(1, 2**40)  # fresh assets even against a long-lived store
    requests = [scene(base_seed + i) for i in range(args.misses)]
    miss, hit = Phase("GenerateScene miss"), Phase("GenerateScene hit")
    infos: list[pb.AssetInfo | None] = [None] * len(requests)

    async def generate_miss(client: int, index: int) -> None:
        infos[index] = await generate_once(stubs[client], requests[index], miss, metadata)

    async def generate_hit(client: int, index: int) -> None:
        await generate_once(stubs[client], requests[index], hit, metadata)

    miss.wall_s = await run_clients(min(args.clients, args.misses), args.misses, generate_miss)
    hit.wall_s = await run_clients(args.clients, args.misses, generate_hit)
    ready = [i for i in infos if i is not None]
    phases = [miss, hit]
    if not ready:
        return phases
    cached = Phase("GetAsset cached (gRPC)")

    async def get_cached(client: int, index: int) -> None:
        await get_once(stubs[client], ready[index % len(ready)], cached, metadata)

    await run_clients(args.clients, min(args.clients * 4, args.requests), get_cached)  # warm-up
    cached.latencies.clear(), cached.first_chunks.clear()
    cached.wall_s = await run_clients(args.clients, args.requests, get_cached)
    phases.append(cached)
    if args.rate > 0:
        paced = Phase(f"GetAsset @ {args.rate:g}/s (gRPC)")

        async def get_paced(client: int, index: int) -> None:
            await get_once(stubs[client], ready[index % len(ready)], paced, metadata)

        paced.wall_s = await run_clients(args.clients, args.requests, get_paced, args.rate)
        phases.append(paced)
    if http:
        web = Phase("GET asset cached (HTTP)")
        headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
        connector = aiohttp.TCPConnector(limit=args.clients)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def http_cached(client: int, index: int) -> None:
                await http_get_once(session, http, ready[index % len(ready)], web)

            web.wall_s = await run_clients(args.clients, args.requests, http_cached)
        phases.append(web)
    for channel in channels:
        await channel.close()
    return phases


def start_server(store: Path, workers: int) -> tuple[subprocess.Popen[str], str, str]:
    """`soundloom serve` on ephemeral loopback ports; returns it, its gRPC target and URL."""
    command = [
        sys.executable,
        "-m",
        "soundloom.cli",
        "serve",
        "--grpc-port",
        "0",
        "--http-port",
        "0",
        "--store",
        str(store),
        "--workers",
        str(workers),
        "--log-level",
        "WARNING",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    words = process.stdout.readline().split()
    if len(words) < 6:
        process.kill()
        raise SystemExit("bench: the server did not start")
    return process, words[3], words[5]


def main() -> int:
    """Parse arguments, run the phases, print the report; 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, default=5000, help="cached calls per transport")
    parser.add_argument("--misses", type=int, default=8, help="distinct scenes to render")
    parser.add_argument("--target", help="gRPC host:port of a running server (else start one)")
    parser.add_argument("--http", help="gateway base URL of that server (with --target)")
    parser.add_argument("--token", default=os.environ.get("SOUNDLOOM_TOKEN"), help="bearer token")
    parser.add_argument("--workers", type=int, default=2, help="render workers (own server)")
    parser.add_argument(
        "--rate",
        type=float,
        default=500.0,
        help="also run cached GetAsset at this offered rate, calls/s (0 = skip; default 500)",
    )
    parser.add_argument("--smoke", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.requests, args.misses, args.rate = 4, 200, 2, 100.0
    process = None
    with tempfile.TemporaryDirectory(prefix="soundloom-bench-") as temp:
        if args.target:
            target, http = args.target, args.http
        else:
            process, target, http = start_server(Path(temp) / "store", args.workers)
        try:
            phases = asyncio.run(bench(args, target, http))
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    print(f"soundloom load: {args.clients} clients, {os.cpu_count()} CPUs, target {target}")
    for phase in phases:
        print(phase.report())
        for error in sorted(set(phase.errors))[:5]:
            print(f"    error: {error}")
    failed = sum(len(p.errors) for p in phases)
    print("errors: 0, every checksum verified" if not failed else f"errors: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
