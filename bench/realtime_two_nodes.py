"""Fan-out across two realtime nodes through Redis: one Redis, then a Redis Cluster.

Two fresh nodes share one Redis prefix; half of N subscribers connect to node A, half to
node B, and each event is published on A's HTTP API, so B's half only gets it through Redis
(``PUBLISH`` on one Redis; sharded ``SPUBLISH`` on a local three-master Redis Cluster). For
N = 1,000 / 4,000 (``BENCH_TWO_NODE_LEVELS``) it reports, per node: delivered share,
p50 / p99 publish-to-receive latency, and deliveries per CPU-second of that node, and
the bus throughput: events per second one publisher pushes through A to a subscriber on B.
Figures, not a CI gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import uvloop
from realtime_fanout import (
    APP_ID,
    KEY,
    ROUNDS,
    SECRET,
    LoadClient,
    Server,
    cpu_seconds,
    free_port,
    message,
    own_redis,
    percentile,
    stop,
    wait_healthy,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra" / "local"))
from redis_cluster import running_cluster

BURST = 2000  # events in the throughput burst


def start_node(redis_url: str, prefix: str, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RT_")}
    env |= {
        "RT_HOST": "127.0.0.1",
        "RT_PORT": str(port),
        "RT_REDIS_URL": redis_url,
        "RT_REDIS_PREFIX": prefix,
        "RT_APP_ID": APP_ID,
        "RT_APP_KEY": KEY,
        "RT_APP_SECRET": SECRET,
        "RT_PUBLIC_CHANNELS_ENABLED": "true",
        "RT_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "switchboard_realtime"], env=env, stdout=log, stderr=log
    )


async def one_round(
    a: LoadClient, b: LoadClient, frame: str, data: str
) -> tuple[list[float], list[float]]:
    """Publish once on A; the latencies seen by A's and by B's subscribers."""
    for client in (a, b):
        client.arrivals, client.expected = [], len(client.subscribers)
        client.all_arrived.clear()
    started = time.perf_counter()
    await a.server.publish(frame, data)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(a.all_arrived.wait(), b.all_arrived.wait()), 10)
    return [t - started for t in a.arrivals], [t - started for t in b.arrivals]


async def burst(a: LoadClient, b: LoadClient, frame: str, data: str) -> float:
    """Events per second through A to B's subscribers (B holds one subscriber here)."""
    b.arrivals, b.expected = [], BURST * len(b.subscribers)
    a.expected = 10**9  # A's own subscribers are not waited for
    b.all_arrived.clear()
    started = time.perf_counter()
    gate = asyncio.Semaphore(16)

    async def publish() -> None:
        async with gate:
            await a.server.publish(frame, data)

    await asyncio.gather(*(publish() for _ in range(BURST)))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(b.all_arrived.wait(), 30)
    return len(b.arrivals) / len(b.subscribers) / (time.perf_counter() - started)


async def measure(url: str, levels: list[int], log: IO[bytes]) -> list[dict[str, float]]:
    prefix = f"bench2:{uuid.uuid4().hex[:8]}"
    servers = []
    for name in ("A", "B"):
        port = free_port()
        process = start_node(url, prefix, port, log)
        servers.append(Server(name, process, port, f"/app/{KEY}?protocol=7", pusher=True))
    rows = []
    try:
        for server in servers:
            await wait_healthy(server.port, server.process)
        a, b = LoadClient(servers[0], "127.0.0.4"), LoadClient(servers[1], "127.0.0.5")
        frame, data = message()
        await a.grow_to(1)
        await b.grow_to(1)
        rows.append({"n": 0, "burst_eps": await burst(a, b, frame, data)})
        for n in levels:
            await a.grow_to(n // 2)
            await b.grow_to(n - n // 2)
            await asyncio.sleep(1.0)
            await one_round(a, b, frame, data)  # warm-up
            on_a: list[float] = []
            on_b: list[float] = []
            cpu = [cpu_seconds(s.process.pid) for s in servers]
            for _ in range(ROUNDS):
                got_a, got_b = await one_round(a, b, frame, data)
                on_a += got_a
                on_b += got_b
                await asyncio.sleep(0.2)
            cpu = [cpu_seconds(s.process.pid) - c for s, c in zip(servers, cpu, strict=True)]
            for label, got, subs, used in (("A", on_a, a, cpu[0]), ("B", on_b, b, cpu[1])):
                rows.append(
                    {
                        "n": n,
                        "node": label,
                        "delivered": len(got) / (len(subs.subscribers) * ROUNDS),
                        "p50_ms": percentile(got, 0.5) * 1000,
                        "p99_ms": percentile(got, 0.99) * 1000,
                        "deliveries_per_cpu_s": len(got) / used if used > 0 else float("nan"),
                    }
                )
        a.close()
        b.close()
    finally:
        for server in servers:
            stop(server.process)
    return rows


def report(name: str, rows: list[dict[str, float]]) -> None:
    print(f"\n{name}")
    print(f"  bus throughput A -> B: {rows[0]['burst_eps']:,.0f} events/s ({BURST} events)")
    print(
        f"  {'N':>6} {'node':>4} {'delivered':>9} {'p50 ms':>8} {'p99 ms':>8} {'deliv/CPU-s':>12}"
    )
    for r in rows[1:]:
        print(
            f"  {int(r['n']):>6} {r['node']!s:>4} {r['delivered']:>9.2%} {r['p50_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['deliveries_per_cpu_s']:>12,.0f}"
        )


@contextlib.contextmanager
def local_cluster() -> Iterator[str]:
    server = (
        os.environ.get("SB_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    )
    cli = os.environ.get("SB_REDIS_CLI") or shutil.which("redis-cli") or "/usr/bin/redis-cli"
    ports = [free_port() for _ in range(6)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-redis-cluster-") as directory,
        running_cluster(server, cli, Path(directory), ports[:3], ports[3:]) as url,
    ):
        yield url


async def main() -> int:
    levels = [int(x) for x in os.environ.get("BENCH_TWO_NODE_LEVELS", "1000,4000").split(",")]
    log = tempfile.NamedTemporaryFile(prefix="bench-rt2-", suffix=".log", delete=False)  # noqa: SIM115
    load = os.getloadavg()
    print(
        f"two realtime nodes, publish on A, {ROUNDS} rounds per N; machine load "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores; logs {log.name}"
    )
    url, proc = own_redis()
    try:
        report("one Redis (PUBLISH/SUBSCRIBE)", await measure(url, levels, log))
    finally:
        if proc is not None:
            stop(proc)
    with local_cluster() as cluster_url:
        report(
            "Redis Cluster, 3 masters (SPUBLISH/SSUBSCRIBE, 16 shards)",
            await measure(cluster_url, levels, log),
        )
    return 0


if __name__ == "__main__":
    sys.exit(uvloop.run(main()))
