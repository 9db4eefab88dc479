"""Figures for the Python client, printed, never asserted (the repository's rule for timing).

    /usr/bin/python3 clients/python/scripts/bench.py            # starts its own server (memory, search off)
    FABRIC_ADDRESS=host:port /usr/bin/python3 clients/python/scripts/bench.py

Measures get_context/set_context through FabricClient beside the bare generated stub on the same
channel (the client's own cost per call), AsyncFabricClient with 64 calls in flight, and
PromptCache.get() reads per second; prints the machine's load (``uptime``) with them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from cache_fabric import AsyncFabricClient, FabricClient, PromptCache
from cache_fabric.stubs import context_pb2, context_pb2_grpc

N = int(os.environ.get("BENCH_CALLS", "3000"))


def percentile(samples: list, p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def timed(label: str, call) -> None:
    for _ in range(200):  # warm up
        call()
    samples = []
    start = time.perf_counter()
    for _ in range(N):
        t = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {N / elapsed:>8,.0f}/s  p50 {percentile(samples, 0.5) * 1e3:.2f} ms  p99 {percentile(samples, 0.99) * 1e3:.2f} ms")


async def concurrent(address: str, concurrency: int = 64) -> None:
    async with AsyncFabricClient(address) as fabric:
        await fabric.set_context("bench:async", {"n": 1})

        async def worker(count: int) -> None:
            for _ in range(count):
                await fabric.get_context("bench:async")

        start = time.perf_counter()
        await asyncio.gather(*(worker(N // concurrency) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        print(f"{'AsyncFabricClient.get_context, c=' + str(concurrency):<44} {N // concurrency * concurrency / elapsed:>8,.0f}/s")


def run(address: str) -> None:
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    with FabricClient(address) as fabric:
        value = {"prompt": "You are a helpful assistant", "version": 3, "tags": ["a", "b"]}
        fabric.set_context("bench:k", value)
        stub = context_pb2_grpc.ContextServiceStub(fabric.channel)
        request = context_pb2.GetContextRequest(key="bench:k")
        timed("bare stub GetContext (same channel)", lambda: stub.GetContext(request, timeout=5))
        timed("FabricClient.get_context", lambda: fabric.get_context("bench:k"))
        timed("FabricClient.set_context", lambda: fabric.set_context("bench:k", value))
        asyncio.run(concurrent(address))
        with PromptCache(fabric, keys=["bench:k"]) as cache:
            cache.wait_ready(timeout=60)
            reads = 1_000_000
            start = time.perf_counter()
            for _ in range(reads):
                cache.get("bench:k")
            print(f"{'PromptCache.get (local)':<44} {reads / (time.perf_counter() - start):>8,.0f}/s")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


def main() -> None:
    address = os.environ.get("FABRIC_ADDRESS")
    if address:
        run(address)
        return
    from support import FabricServer

    with FabricServer("--search", "off") as server:
        run(server.address)


if __name__ == "__main__":
    main()
