"""Cached `generate` latency: the SDK's disk-cache hit path, embedded and with the server stopped.

The first call renders (a 30 s stereo OGG scene by default); every later call is a cache hit that
hashes the request, checks the cached files' sha256 and parses the sidecar. Prints p50/p95/max
in milliseconds for `Client` and `AsyncClient`. The goal is p50 < 5 ms.
`python bench/sdk_cache.py --smoke` is the quick CI variant (a 2 s scene, 50 calls).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from soundloom import AssetCache, AsyncClient, Client

SCENE = "abandoned harbour at night: rain on tin roofs, footsteps on wet planks, a door slams"


def _row(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (
        f"{name:<14} n={len(ms):<5} p50 {statistics.median(ms):7.3f} ms  "
        f"p95 {p95:7.3f} ms  max {ms[-1]:7.3f} ms"
    )


def bench_sync(cache: AssetCache, duration: float, calls: int) -> list[float]:
    """Seconds per cached Client.generate call."""
    with Client(cache=cache) as client:
        client.generate(SCENE, duration=duration, seed=1)  # renders once
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            asset = client.generate(SCENE, duration=duration, seed=1)
            times.append(time.perf_counter() - started)
            assert asset.cache_hit
        return times


async def bench_async(cache: AssetCache, duration: float, calls: int) -> list[float]:
    """Seconds per cached AsyncClient.generate call."""
    async with AsyncClient(cache=cache) as client:
        await client.generate(SCENE, duration=duration, seed=1)
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            asset = await client.generate(SCENE, duration=duration, seed=1)
            times.append(time.perf_counter() - started)
            assert asset.cache_hit
        return times


def main() -> None:
    """Run the benchmark and print one row per client."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="quick CI run")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=30.0, help="scene seconds")
    args = parser.parse_args()
    calls, duration = (50, 2.0) if args.smoke else (args.calls, args.duration)
    with tempfile.TemporaryDirectory() as root:
        cache = AssetCache(Path(root))
        sync = bench_sync(cache, duration, calls)
        size = cache.entries()[0].size_bytes
        print(f"cached generate, {duration:g} s scene ({size / 1024:.0f} KiB of files)")
        print(_row("Client", sync))
        print(_row("AsyncClient", asyncio.run(bench_async(cache, duration, calls))))


if __name__ == "__main__":
    main()
