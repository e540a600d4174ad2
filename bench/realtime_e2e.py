"""End to end: PATCH through the API -> ``entity.changed`` at subscribed WebSocket clients.

Against the running stack (``make bench``: ``SB_BASE_URL`` is nginx, the services'
settings are in the environment). A fresh agent subscribes N = 1,000 connections (through
nginx, each authorised by ``POST /api/v1/realtime/auth``) to ``private-contacts``, then
PATCHes contacts at 100 writes/s for 10 s. Every connection counts what it receives; a few
"probe" connections also decode each event and match it to its write by (id, version) to
measure PATCH-sent -> event-received latency. Target (issue 4): p50 < 50 ms, p99 < 200 ms.

The load client shares the two cores with the servers it measures, so it is kept cheap in
ways that do not change what the servers do: the probes read every frame the moment it
arrives (their times are the latencies), while the other connections, which only count,
take their frames out of the kernel in batches every 100 ms (a few hundred bytes wait in
each socket buffer, far below anything that would push back on nginx or the node, which
still write every frame to every connection as it comes).

The writes come from a process of their own (this script with ``--write``), as they would
from another employee's browser: a writer sharing the subscribers' event loop would see
its answers late whenever the loop is busy reading a fan-out, and count that as latency.
Both processes stamp times with ``time.perf_counter`` (CLOCK_MONOTONIC on Linux: one clock
for the whole machine), so the writer's send times and the probes' arrivals compare.

Knobs: ``BENCH_E2E_SUBSCRIBERS``, ``BENCH_E2E_RATE`` (writes/s), ``BENCH_E2E_SECONDS``,
``BENCH_E2E_ROUNDS`` (5 write phases over the same subscribers; this VM's speed drifts
between runs, so the median round is reported beside every round's figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvloop
from realtime_fanout import Subscriber, masked_text_frame, percentile

from switchboard_api.settings import get_settings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.settings import load_settings

# The API tests' helpers (users, sign-in, tokens) drive the benchmark's employees too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "api" / "tests"))
from fixtures.auth import api_token, client, user_factory

CHANNEL = "private-contacts"
CONTACTS = 10  # writes rotate over several records so each one's If-Match chain keeps up
PROBES = 20
CONNECT_CONCURRENCY = 50


@dataclass
class Tally:
    """What the subscribers received."""

    frames: int = 0
    probe_arrivals: list[tuple[tuple[str, int], float]] = field(default_factory=list)

    def count(self, _now: float, _payload: bytes) -> None:
        self.frames += 1

    def probe(self, now: float, payload: bytes) -> None:
        self.frames += 1
        frame = json.loads(payload)
        if frame.get("event") == "entity.changed" and frame.get("channel") == CHANNEL:
            data = json.loads(frame["data"])
            self.probe_arrivals.append(((data["id"], int(data["version"])), now))


#: How often the counting connections read (0: as frames arrive, like the probes).
READ_EVERY_SECONDS = float(os.environ.get("BENCH_E2E_READ_EVERY", "0.5"))


class Counter(Subscriber):
    """A subscriber that only counts. Once :attr:`batched` (after subscribing), it reads
    when resumed by :func:`read_in_batches`, pauses again after each read, and counts the
    frames of a read by walking their headers, without a call per frame."""

    batched = False
    tally: Tally

    @classmethod
    def of(cls, tally: Tally) -> Counter:
        counter = cls(tally.count, payloads=False)
        counter.tally = tally
        return counter

    def data_received(self, data: bytes) -> None:
        if not self.batched:
            super().data_received(data)
            return
        buf = self.buffer
        buf += data
        pos, size, frames = 0, len(buf), 0
        while size - pos >= 2:
            length = buf[pos + 1] & 0x7F
            if length < 126:
                end = pos + 2 + length
            elif length == 126 and size - pos >= 4:
                end = pos + 4 + int.from_bytes(buf[pos + 2 : pos + 4], "big")
            elif length == 127 and size - pos >= 10:
                end = pos + 10 + int.from_bytes(buf[pos + 2 : pos + 10], "big")
            else:
                break
            if end > size:
                break
            pos, frames = end, frames + 1
        if pos:
            del buf[:pos]
        self.tally.frames += frames
        if READ_EVERY_SECONDS and self.transport is not None:
            self.transport.pause_reading()


async def read_in_batches(subs: list[Subscriber]) -> None:
    """Let every batched counter read what has arrived, every :data:`READ_EVERY_SECONDS`."""
    if not READ_EVERY_SECONDS:
        return
    while True:
        await asyncio.sleep(READ_EVERY_SECONDS)
        for sub in subs:
            if isinstance(sub, Counter) and sub.batched and sub.transport is not None:
                sub.transport.resume_reading()


def unbatch(subs: list[Subscriber]) -> None:
    """Back to reading everything as it comes (for the final count)."""
    for sub in subs:
        if isinstance(sub, Counter) and sub.transport is not None:
            sub.batched = False
            sub.transport.resume_reading()


async def subscribe_one(
    api: httpx.AsyncClient, address: tuple[str, int], key: str, *, probe: bool, tally: Tally
) -> Subscriber:
    """Connect through nginx, authorise at the API, subscribe; the live subscriber."""
    host, port = address
    loop = asyncio.get_running_loop()
    transport, sub = await loop.create_connection(
        lambda: Subscriber(tally.probe, payloads=True) if probe else Counter.of(tally),
        host,
        port,
    )
    sub.transport = transport  # uvloop may call connection_made only after this returns
    first = sub.arm()
    sub.transport.write(
        f"GET /app/{key}?protocol=7&client=js&version=8.4.0 HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await asyncio.wait_for(sub.setup_done, 20)
    established = json.loads(await asyncio.wait_for(first, 20))
    socket_id = json.loads(established["data"])["socket_id"]
    response = await api.post(
        "/api/v1/realtime/auth", data={"socket_id": socket_id, "channel_name": CHANNEL}
    )
    response.raise_for_status()
    confirmed = sub.arm()
    subscribe = {"event": "pusher:subscribe", "data": {"channel": CHANNEL, **response.json()}}
    sub.transport.write(masked_text_frame(json.dumps(subscribe).encode()))
    reply = await asyncio.wait_for(confirmed, 20)
    while b"pusher:ping" in reply:  # the only frame that may come first
        reply = await asyncio.wait_for(sub.arm(), 20)
    assert b"subscription_succeeded" in reply, reply
    sub.next_frame = None
    if isinstance(sub, Counter):
        sub.batched = True
        if READ_EVERY_SECONDS:
            sub.transport.pause_reading()
    return sub


class Http11:
    """A minimal keep-alive HTTP/1.1 client for the writers.

    The writers share the two cores with the servers they measure, and Python's HTTP
    clients are expensive at 100 writes/s (httpx ~2.5 ms, aiohttp ~1.8 ms of client CPU per
    request here: a fifth of a core); this one writes the request and reads the answer
    with a few calls."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base_url: str) -> Http11:
        parts = urlsplit(base_url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{head}"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status_line, _, rest = (await self.reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        fields = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in rest.split(b"\r\n"))
        }
        if fields.get(b"transfer-encoding") == b"chunked":
            payload = b""
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2], 16):
                payload += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            payload = await self.reader.readexactly(int(fields.get(b"content-length", b"0")))
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        self.writer.close()


async def write_contact(
    plan: dict[str, Any],
    contact: dict[str, Any],
    slots: list[float],
    sent: dict[tuple[str, int], float],
    answered: dict[tuple[str, int], float],
) -> int:
    """PATCH one contact at its time slots (If-Match chain) over its own connection; the
    writes that succeeded (``contact["version"]`` follows them)."""
    api = await Http11.open(plan["base_url"])
    done = 0
    version = int(contact["version"])
    try:
        for n, slot in enumerate(slots):
            await asyncio.sleep(max(0.0, slot - time.perf_counter()))
            started = time.perf_counter()
            status, body = await api.request(
                "PATCH",
                f"/api/v1/contacts/{contact['id']}",
                {
                    "Authorization": f"Bearer {plan['token']}",
                    "Content-Type": "application/json",
                    "If-Match": f'"{version}"',
                },
                json.dumps({"name": f"bench-{n}-{contact['id'][:8]}"}).encode(),
            )
            if status != 200:
                print(f"PATCH answered {status}: {body[:200]!r}", file=sys.stderr)
                continue
            version = contact["version"] = int(json.loads(body)["version"])
            sent[(str(contact["id"]), version)] = started
            answered[(str(contact["id"]), version)] = time.perf_counter()
            done += 1
    finally:
        api.close()
    return done


async def write_all(plan: dict[str, Any]) -> dict[str, Any]:
    """The writer process: PATCH the contacts at their slots; every write's send/answer time."""
    rate, writes, contacts = plan["rate"], plan["writes"], plan["contacts"]
    t0 = time.perf_counter() + 0.2
    slots = [t0 + n / rate for n in range(writes)]
    sent: dict[tuple[str, int], float] = {}
    answered: dict[tuple[str, int], float] = {}
    done = await asyncio.gather(
        *(
            write_contact(plan, contact, slots[i :: len(contacts)], sent, answered)
            for i, contact in enumerate(contacts)
        )
    )
    return {
        "contacts": contacts,
        "total": sum(done),
        "elapsed": time.perf_counter() - t0,
        "sent": [[k[0], k[1], v] for k, v in sent.items()],
        "answered": [[k[0], k[1], v] for k, v in answered.items()],
    }


async def start_writer() -> asyncio.subprocess.Process:
    """The writer process, started early so its imports are done before it is needed; it
    takes one plan per line on stdin and answers each with a line."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--write",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 26,  # a result is one JSON line with every write's times
    )


async def run_writer(process: asyncio.subprocess.Process, plan: dict[str, Any]) -> dict[str, Any]:
    """Hand the writer process a ``plan``; what it reports when done."""
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(plan).encode() + b"\n")
    await process.stdin.drain()
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError(f"writer exited {await process.wait()}")
    result: dict[str, Any] = json.loads(line)
    return result


def writer_main() -> int:
    """``--write``: run each plan read from stdin, print its result as one line."""
    for line in sys.stdin:
        print(json.dumps(uvloop.run(write_all(json.loads(line)))), flush=True)
    return 0


async def fanout_totals(port: int) -> tuple[float, float]:
    """The realtime node's own publish-to-written histogram: (sum of seconds, count)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    text = (await reader.read()).decode()
    writer.close()
    values = dict(
        line.split()[:2]
        for line in text.splitlines()
        if line.startswith("realtime_publish_latency")
    )
    return (
        float(values.get("realtime_publish_latency_seconds_sum", 0)),
        float(values.get("realtime_publish_latency_seconds_count", 0)),
    )


@dataclass
class Run:
    """What the writers did and what the node reported."""

    total: int
    elapsed: float
    subscribers: int
    sent: dict[tuple[str, int], float]
    answered: dict[tuple[str, int], float]
    seconds_spent: float
    events: float


def report(run: Run, tally: Tally) -> tuple[float, float]:
    """Print the figures of one run; its (p50, p99) PATCH -> event latency in ms."""
    total, elapsed, sent, answered = run.total, run.elapsed, run.sent, run.answered
    latencies = [now - sent[key_] for key_, now in tally.probe_arrivals if key_ in sent]
    round_trips = [answered[key_] - sent[key_] for key_ in answered]
    after_answer = [now - answered[k] for k, now in tally.probe_arrivals if k in answered]
    expected = total * run.subscribers
    print(f"writes: {total} in {elapsed:.1f} s ({total / elapsed:.0f}/s achieved)")
    print(f"delivered: {tally.frames}/{expected} ({tally.frames / max(1, expected):.2%})")
    print(
        f"PATCH -> event at a client ({len(latencies)} probe receptions): "
        f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
        f"max {max(latencies, default=float('nan')) * 1000:.1f} ms "
        f"(targets: p50 < 50 ms, p99 < 200 ms)"
    )
    for name, values in (("PATCH round trip", round_trips), ("answer -> event", after_answer)):
        print(
            f"  of which {name}: p50 {percentile(values, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.1f} ms"
        )
    print(
        f"inside the realtime node: {run.events:.0f} fan-outs, "
        f"mean publish-to-written {run.seconds_spent / max(1.0, run.events) * 1000:.1f} ms "
        "(the rest of the latency is API, outbox, relay and the load client)"
    )
    return percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


@dataclass
class Bench:
    """What every round shares: the writer process, the subscribers and what they saw."""

    writer: asyncio.subprocess.Process
    tally: Tally
    subs: list[Subscriber]
    rt_port: int


async def one_round(bench: Bench, plan: dict[str, Any]) -> tuple[float, float]:
    """One write phase (``plan`` for the writer) against the subscribed clients; its (p50,
    p99) in ms. ``plan["contacts"]`` gets the contacts' new versions."""
    writer, tally, subs, rt_port = bench.writer, bench.tally, bench.subs, bench.rt_port
    tally.frames = 0
    tally.probe_arrivals.clear()
    for sub in subs:
        if isinstance(sub, Counter) and sub.transport is not None:
            sub.batched = True
            if READ_EVERY_SECONDS:
                sub.transport.pause_reading()
    batches = asyncio.create_task(read_in_batches(subs))
    fanout_before = await fanout_totals(rt_port)
    result = await run_writer(writer, plan)
    plan["contacts"] = result["contacts"]  # their versions, for the next round's If-Match
    sent = {(k, int(v)): t for k, v, t in result["sent"]}
    answered = {(k, int(v)): t for k, v, t in result["answered"]}
    await asyncio.sleep(3)  # let the tail arrive
    batches.cancel()
    unbatch(subs)
    await asyncio.sleep(0.5)  # the batched counters read the rest
    fanout_after = await fanout_totals(rt_port)
    return report(
        Run(result["total"], result["elapsed"], len(subs), sent, answered,
            fanout_after[0] - fanout_before[0], fanout_after[1] - fanout_before[1]),
        tally,
    )  # fmt: skip


async def main() -> int:
    base_url = os.environ["SB_BASE_URL"]
    subscribers = int(os.environ.get("BENCH_E2E_SUBSCRIBERS", "1000"))
    rate = float(os.environ.get("BENCH_E2E_RATE", "100"))
    seconds = float(os.environ.get("BENCH_E2E_SECONDS", "10"))
    rounds = int(os.environ.get("BENCH_E2E_ROUNDS", "5"))
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    rt = load_settings(RealtimeSettings)
    key = rt.app_key
    tally = Tally()
    subs: list[Subscriber] = []
    writer = await start_writer()
    async with user_factory(get_settings()) as users:
        user = await users.create("agent")
        async with client(base_url) as http:
            token = await api_token(http, user)
        limits = httpx.Limits(max_connections=CONNECT_CONCURRENCY)
        async with httpx.AsyncClient(
            base_url=base_url,
            headers={"authorization": f"Bearer {token}"},
            limits=limits,
            timeout=30,
        ) as api:
            contacts = []
            for i in range(CONTACTS):
                created = await api.post("/api/v1/contacts", json={"name": f"bench-e2e-{i}"})
                created.raise_for_status()
                contacts.append(created.json())
            gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

            async def one(i: int) -> None:
                async with gate:
                    subs.append(
                        await subscribe_one(api, (host, port), key, probe=i < PROBES, tally=tally)
                    )

            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(subscribers)))
            print(f"{subscribers} subscribers ready in {time.perf_counter() - started:.1f} s")
            bench = Bench(writer, tally, subs, rt.port)
            plan = {
                "base_url": base_url,
                "token": token,
                "rate": rate,
                "writes": int(rate * seconds),
                "contacts": contacts,
            }
            results = []
            for round_ in range(1, rounds + 1):
                print(f"--- round {round_} of {rounds}: {rate:.0f} writes/s for {seconds:.0f} s")
                results.append(await one_round(bench, plan))
    for sub in subs:
        if sub.transport is not None:
            sub.transport.abort()
    if writer.stdin is not None:
        writer.stdin.close()
    await writer.wait()
    p50s, p99s = sorted(r[0] for r in results), sorted(r[1] for r in results)
    print(
        f"median of {rounds} rounds: p50 {p50s[len(p50s) // 2]:.1f} ms, "
        f"p99 {p99s[len(p99s) // 2]:.1f} ms (targets: p50 < 50 ms, p99 < 200 ms); "
        f"p50 per round {', '.join(f'{v:.1f}' for v in p50s)}; "
        f"p99 per round {', '.join(f'{v:.1f}' for v in p99s)}"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        sys.exit(writer_main())
    # uvloop: the load client reads every delivery; a cheaper client leaves the servers
    # under test more of the shared cores.
    sys.exit(uvloop.run(main()))
