"""End to end: PATCH through the API -> ``entity.changed`` at subscribed WebSocket clients.

Against the running stack (``make bench``: ``SB_BASE_URL`` is nginx, the services'
settings are in the environment). A fresh agent subscribes N = 1,000 connections (through
nginx, each authorised by ``POST /api/v1/realtime/auth``) to ``private-contacts``, then
PATCHes contacts at 100 writes/s for 10 s. Every connection counts what it receives; a few
"probe" connections also decode each event and match it to its write by (id, version) to
measure PATCH-sent -> event-received latency. Target (issue 4): p50 < 50 ms, p99 < 200 ms.

Knobs: ``BENCH_E2E_SUBSCRIBERS``, ``BENCH_E2E_RATE`` (writes/s), ``BENCH_E2E_SECONDS``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvloop
from realtime_fanout import Subscriber, masked_text_frame, percentile

from switchboard_api.auth.testing import api_token, client, user_factory
from switchboard_api.settings import get_settings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.settings import load_settings

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


async def subscribe_one(
    api: httpx.AsyncClient, address: tuple[str, int], key: str, *, probe: bool, tally: Tally
) -> Subscriber:
    """Connect through nginx, authorise at the API, subscribe; the live subscriber."""
    host, port = address
    loop = asyncio.get_running_loop()
    transport, sub = await loop.create_connection(
        lambda: Subscriber(tally.probe if probe else tally.count, payloads=probe), host, port
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
    return sub


async def write_contact(
    api: httpx.AsyncClient,
    contact: dict[str, Any],
    slots: list[float],
    sent: dict[tuple[str, int], float],
    answered: dict[tuple[str, int], float],
) -> int:
    """PATCH one contact at its time slots (If-Match chain); the writes that succeeded."""
    done = 0
    version = int(contact["version"])
    for n, slot in enumerate(slots):
        await asyncio.sleep(max(0.0, slot - time.perf_counter()))
        started = time.perf_counter()
        response = await api.patch(
            f"/api/v1/contacts/{contact['id']}",
            json={"name": f"bench-{n}-{contact['id'][:8]}"},
            headers={"if-match": f'"{version}"'},
        )
        if response.status_code != 200:
            print(f"PATCH answered {response.status_code}: {response.text[:200]}")
            continue
        version = int(response.json()["version"])
        sent[(str(contact["id"]), version)] = started
        answered[(str(contact["id"]), version)] = time.perf_counter()
        done += 1
    return done


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


def report(run: Run, tally: Tally) -> None:
    """Print the figures of one run."""
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


async def main() -> int:
    base_url = os.environ["SB_BASE_URL"]
    subscribers = int(os.environ.get("BENCH_E2E_SUBSCRIBERS", "1000"))
    rate = float(os.environ.get("BENCH_E2E_RATE", "100"))
    seconds = float(os.environ.get("BENCH_E2E_SECONDS", "10"))
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    rt = load_settings(RealtimeSettings)
    key = rt.app_key
    tally = Tally()
    subs: list[Subscriber] = []
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
            tally.frames = 0
            writes = int(rate * seconds)
            t0 = time.perf_counter() + 0.5
            slots = [t0 + n / rate for n in range(writes)]
            sent: dict[tuple[str, int], float] = {}
            answered: dict[tuple[str, int], float] = {}
            fanout_before = await fanout_totals(rt.port)
            done = await asyncio.gather(
                *(
                    write_contact(api, contact, slots[i::CONTACTS], sent, answered)
                    for i, contact in enumerate(contacts)
                )
            )
            elapsed = time.perf_counter() - t0
            await asyncio.sleep(3)  # let the tail arrive
            fanout_after = await fanout_totals(rt.port)
    for sub in subs:
        if sub.transport is not None:
            sub.transport.abort()
    report(
        Run(sum(done), elapsed, subscribers, sent, answered, fanout_after[0] - fanout_before[0],
            fanout_after[1] - fanout_before[1]),
        tally,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    # uvloop: the load client reads every delivery; a cheaper client leaves the servers
    # under test more of the shared cores.
    sys.exit(uvloop.run(main()))
