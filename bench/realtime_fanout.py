"""Fan-out of one event to N WebSocket subscribers: our realtime node vs a Node ``ws`` server.

For N = 1,000 / 5,000 / 10,000 (``BENCH_FANOUT_LEVELS=1000,5000`` to change) it starts a
fresh realtime node (``python -m switchboard_realtime``) and then the baseline, a minimal
Node ``ws`` broadcast server (``bench/realtime_baseline``), connects the same lightweight
load client (raw asyncio protocols: no JSON parsing, so the client's cost stays small and
equal for both), publishes one ~327-byte message several times and reports:

- delivered: receptions / (N x rounds);
- p50 / p99 / max publish-to-receive latency (publish = just before the HTTP request);
- RSS per idle connection (server RSS growth / N after connecting and subscribing);
- deliveries per server CPU-second during the broadcasts.

Targets (issue 4): 10,000 subscribers all delivered with p99 < 250 ms, <= 12 KiB RSS per
idle connection, deliveries per CPU-second >= the Node baseline. Figures, not a CI gate.
Redis: ``RT_REDIS_URL`` when set (under a private key prefix), else a private redis-server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import uvloop

from switchboard_shared.pusher import sign_request

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "realtime_baseline"
APP_ID, KEY, SECRET = "1", "bench-key", "bench-secret"
CHANNEL = "bench"
ROUNDS = 5
CONNECT_CONCURRENCY = 200
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def masked_text_frame(payload: bytes) -> bytes:
    """A client frame (clients must mask; a zero key leaves the payload as is)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, 0x80 | length)
    else:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, length)
    return header + b"\x00\x00\x00\x00" + payload


class Subscriber(asyncio.Protocol):
    """One load-client connection: upgrades, then records when each text frame arrives.

    Kept cheap, since it shares the cores with the servers it measures: frames are found
    by their headers in place, and their payloads are copied only for ``payloads=True``
    (or a frame someone awaits with :meth:`arm`)."""

    def __init__(self, on_frame: Callable[[float, bytes], None], *, payloads: bool = True) -> None:
        self.on_frame = on_frame
        self.payloads = payloads
        self.buffer = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.next_frame: asyncio.Future[bytes] | None = None
        self.setup_done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buffer
        buf += data
        if not self.upgraded and not self._upgrade():
            return
        pos, size = 0, len(buf)
        while size - pos >= 2:
            length, offset = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, offset = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, offset = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            end = pos + offset + length
            if end > size:
                break
            if self.next_frame is not None and not self.next_frame.done():
                self.next_frame.set_result(bytes(buf[pos + offset : end]))
            else:
                self.on_frame(now, bytes(buf[pos + offset : end]) if self.payloads else b"")
            pos = end
        if pos:
            del buf[:pos]

    def _upgrade(self) -> bool:
        """Consume the 101 response once it is all here; whether frames may follow."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        if not self.buffer.startswith(b"HTTP/1.1 101"):
            self._fail(RuntimeError(bytes(self.buffer[:60]).decode(errors="replace")))
            return False
        del self.buffer[: end + 4]
        self.upgraded = True
        if not self.setup_done.done():
            self.setup_done.set_result(None)
        return True

    def _fail(self, exc: Exception) -> None:
        if not self.setup_done.done():
            self.setup_done.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError("closed during setup"))
        if self.next_frame is not None and not self.next_frame.done():
            self.next_frame.set_exception(ConnectionError("closed"))

    def arm(self) -> asyncio.Future[bytes]:
        """A future for the next frame (set up before the frame can arrive)."""
        self.next_frame = asyncio.get_running_loop().create_future()
        return self.next_frame


@dataclass
class Server:
    """A server under test: how to reach it, publish to it, and subscribe to it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    ws_path: str
    pusher: bool

    async def publish(self, frame_text: str, data: str) -> None:
        if self.pusher:
            path = f"/apps/{APP_ID}/events"
            body = json.dumps({"name": "bench", "channel": CHANNEL, "data": data}).encode()
            params = sign_request(KEY, SECRET, "POST", path, body=body)
            query = "&".join(f"{k}={v}" for k, v in params.items())
            target = f"{path}?{query}"
        else:
            target, body = "/broadcast", frame_text.encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            f"POST {target} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        response = await reader.read()
        writer.close()
        if b" 200 " not in response.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"publish failed: {response[:200]!r}")


class LoadClient:
    """N subscribers and the receptions of the current round."""

    def __init__(self, server: Server, source_ip: str) -> None:
        self.server = server
        self.source_ip = source_ip
        self.subscribers: list[Subscriber] = []
        self.arrivals: list[float] = []
        self.expected = 0
        self.all_arrived: asyncio.Event = asyncio.Event()

    def _arrive(self, now: float, _payload: bytes) -> None:
        self.arrivals.append(now)
        if len(self.arrivals) >= self.expected:
            self.all_arrived.set()

    async def _connect_one(self) -> None:
        loop = asyncio.get_running_loop()
        for attempt in range(5):
            try:
                transport, sub = await loop.create_connection(
                    lambda: Subscriber(self._arrive, payloads=False),
                    "127.0.0.1",
                    self.server.port,
                    local_addr=(self.source_ip, 0),
                )
                break
            except OSError:
                await asyncio.sleep(0.1 * (attempt + 1))
        else:
            raise RuntimeError("could not connect")
        sub.transport = transport  # uvloop may call connection_made only after this returns
        sub.transport.write(
            f"GET {self.server.ws_path} HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        if self.server.pusher:
            first = sub.arm()
            await asyncio.wait_for(sub.setup_done, 20)
            assert b"connection_established" in await asyncio.wait_for(first, 20)
            confirmed = sub.arm()
            subscribe = {"event": "pusher:subscribe", "data": {"channel": CHANNEL}}
            sub.transport.write(masked_text_frame(json.dumps(subscribe).encode()))
            reply = await asyncio.wait_for(confirmed, 20)
            assert b"subscription_succeeded" in reply, reply
            sub.next_frame = None
        else:
            await asyncio.wait_for(sub.setup_done, 20)
        self.subscribers.append(sub)

    async def grow_to(self, n: int) -> None:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one() -> None:
            async with gate:
                await self._connect_one()

        await asyncio.gather(*(one() for _ in range(n - len(self.subscribers))))

    async def round(self, frame_text: str, data: str) -> list[float]:
        """Publish once; latencies (s) of every reception within the time limit."""
        self.arrivals = []
        self.expected = len(self.subscribers)
        self.all_arrived.clear()
        started = time.perf_counter()
        await self.server.publish(frame_text, data)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_arrived.wait(), 10)
        return [t - started for t in self.arrivals]

    def close(self) -> None:
        for sub in self.subscribers:
            if sub.transport is not None:
                sub.transport.abort()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def server_fanout_seconds(server: Server) -> float:
    """Our node's own total publish-to-written time (its latency histogram's sum); 0 for Node."""
    if not server.pusher:
        return 0.0
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    body = (await reader.read()).decode()
    writer.close()
    for line in body.splitlines():
        if line.startswith("realtime_publish_latency_seconds_sum "):
            return float(line.split()[1])
    return 0.0


async def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited at start")
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if b" 200 " in (await reader.read())[:20]:
                writer.close()
                return
            writer.close()
        await asyncio.sleep(0.1)
    raise RuntimeError("server never became healthy")


def start_realtime(redis_url: str, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RT_")}
    env |= {
        "RT_HOST": "127.0.0.1",
        "RT_PORT": str(port),
        "RT_REDIS_URL": redis_url,
        "RT_REDIS_PREFIX": f"bench:{uuid.uuid4().hex[:8]}",
        "RT_APP_ID": APP_ID,
        "RT_APP_KEY": KEY,
        "RT_APP_SECRET": SECRET,
        # The load is one client address subscribing to a public channel.
        "RT_PUBLIC_CHANNELS_ENABLED": "true",
        "RT_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "switchboard_realtime"], env=env, stdout=log, stderr=log
    )


def start_baseline(port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    if not (BASELINE / "node_modules" / "ws").exists():
        subprocess.run(
            [os.environ.get("SB_NPM", "npm"), "install", "--no-audit", "--no-fund", "--silent"],
            cwd=BASELINE,
            check=True,
        )
    return subprocess.Popen(
        [os.environ.get("SB_NODE", "node"), str(BASELINE / "server.mjs"), str(port)],
        stdout=log,
        stderr=log,
    )


def message(size: int = 327) -> tuple[str, str]:
    """The frame text clients receive (~``size`` bytes) and the ``data`` string inside it."""
    prefix = json.dumps({"event": "bench", "channel": CHANNEL, "data": ""}, separators=(",", ":"))
    data = json.dumps({"id": 1, "pad": "x" * (size - len(prefix) - 24)}, separators=(",", ":"))
    frame = json.dumps({"event": "bench", "channel": CHANNEL, "data": data}, separators=(",", ":"))
    return frame, data


async def measure(server: Server, source_ip: str, levels: list[int]) -> list[dict[str, float]]:
    frame_text, data = message()
    await wait_healthy(server.port, server.process)
    client = LoadClient(server, source_ip)
    pid = server.process.pid
    await client.grow_to(1)
    await asyncio.sleep(0.5)
    rss_base, base_conns = rss_kib(pid), 1
    results = []
    try:
        for n in levels:
            await client.grow_to(n)
            await asyncio.sleep(1.0)
            rss_per_conn = (rss_kib(pid) - rss_base) / (n - base_conns)
            await client.round(frame_text, data)  # warm-up
            latencies: list[float] = []
            cpu_before = cpu_seconds(pid)
            fanout_before = await server_fanout_seconds(server)
            for _ in range(ROUNDS):
                latencies += await client.round(frame_text, data)
                await asyncio.sleep(0.2)
            cpu = cpu_seconds(pid) - cpu_before
            fanout_after = await server_fanout_seconds(server)
            results.append(
                {
                    "n": n,
                    "delivered": len(latencies) / (n * ROUNDS),
                    "p50_ms": percentile(latencies, 0.50) * 1000,
                    "p99_ms": percentile(latencies, 0.99) * 1000,
                    "max_ms": max(latencies, default=float("nan")) * 1000,
                    "kib_per_conn": rss_per_conn,
                    "deliveries_per_cpu_s": len(latencies) / cpu if cpu > 0 else float("nan"),
                    "cpu_us_per_delivery": cpu / len(latencies) * 1e6 if latencies else 0,
                    "server_fanout_ms": (fanout_after - fanout_before) / ROUNDS * 1000,
                }
            )
    finally:
        client.close()
    return results


def own_redis() -> tuple[str, subprocess.Popen[bytes] | None]:
    if url := os.environ.get("RT_REDIS_URL"):
        return url, None
    port = free_port()
    binary = (
        os.environ.get("SB_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    )
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", proc


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def report(name: str, rows: list[dict[str, float]]) -> None:
    print(f"\n{name}")
    print(
        f"{'N':>7} {'delivered':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'KiB/conn':>9} {'deliv/CPU-s':>12} {'CPU us/deliv':>13} {'send loop ms':>13}"
    )
    for r in rows:
        print(
            f"{int(r['n']):>7} {r['delivered']:>9.2%} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
            f"{r['max_ms']:>8.1f} {r['kib_per_conn']:>9.1f} {r['deliveries_per_cpu_s']:>12,.0f} "
            f"{r['cpu_us_per_delivery']:>13.1f} {r['server_fanout_ms'] or float('nan'):>13.1f}"
        )


async def main() -> int:
    levels = [int(x) for x in os.environ.get("BENCH_FANOUT_LEVELS", "1000,5000,10000").split(",")]
    redis_url, redis_proc = own_redis()
    log = tempfile.NamedTemporaryFile(prefix="bench-rt-", suffix=".log", delete=False)  # noqa: SIM115
    print(f"fan-out of one 327-byte event, {ROUNDS} rounds per N; servers log to {log.name}")
    try:
        port = free_port()
        ours = Server(
            "switchboard realtime (websockets)",
            start_realtime(redis_url, port, log),
            port,
            f"/app/{KEY}?protocol=7",
            pusher=True,
        )
        try:
            ours_rows = await measure(ours, "127.0.0.2", levels)
        finally:
            stop(ours.process)
        report(ours.name, ours_rows)
        port = free_port()
        node = Server(
            "baseline: Node ws broadcast", start_baseline(port, log), port, "/", pusher=False
        )
        try:
            node_rows = await measure(node, "127.0.0.3", levels)
        finally:
            stop(node.process)
        report(node.name, node_rows)
    finally:
        if redis_proc is not None:
            stop(redis_proc)
    top_ours, top_node = ours_rows[-1], node_rows[-1]
    print(
        f"\ntargets at N={int(top_ours['n'])}: all delivered {top_ours['delivered'] >= 1.0}, "
        f"p99 < 250 ms {top_ours['p99_ms'] < 250}, <= 12 KiB/conn {top_ours['kib_per_conn'] <= 12}, "
        f"deliveries/CPU-s >= Node {top_ours['deliveries_per_cpu_s'] >= top_node['deliveries_per_cpu_s']}"
    )
    return 0


if __name__ == "__main__":
    # uvloop: the load client reads every delivery; a cheaper client leaves the servers
    # under test more of the shared cores.
    sys.exit(uvloop.run(main()))
