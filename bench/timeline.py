"""Issue 19's benchmark, against the running stack through nginx (``SB_BASE_URL``):

1. The activity timeline of one contact with 10,000 items (2,500 each of calls, notes,
   tasks and changes): p50/p95/p99 of its first page (50 items), of a later page (by
   cursor) and of one kind; the target is a first-page p95 under 50 ms.
2. 1,000 notifications in one burst: 1,000 tasks of 200 employees become due soon, one run
   of the due-time scan (the worker's job, run here) stores a notification for each and
   publishes them on the employees' personal channels; 200 WebSocket subscribers (one per
   employee, through nginx) count what arrives. The target is all 1,000 delivered.

Run with ``make bench ARGS=timeline``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from websockets.asyncio.client import ClientConnection, connect

from switchboard_api.auth.passwords import hash_password
from switchboard_api.notifications.jobs import notify_due_tasks
from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import get_settings
from switchboard_shared.pusher import channel_auth

PER_KIND = 2_500
REQUESTS = int(os.environ.get("BENCH_TIMELINE_REQUESTS", "1000"))
CONCURRENCY = 4
EMPLOYEES, PER_EMPLOYEE = 200, 5
TARGET_P95_MS = 50.0
PASSWORD = "bench password, never reused"  # noqa: S105 - a throwaway bench account


SEED = (
    "INSERT INTO calls (provider, direction, status, is_final, from_number, contact_id,"
    " created_at, updated_at) SELECT 'manual', 'inbound', 'completed', true,"
    " '+7495' || lpad(g::text, 7, '0'), :c, now() - (g * interval '1 hour') - (random() * interval '59 minutes'), now() FROM generate_series(1, :n) g",
    "INSERT INTO notes (body, related_type, related_id, created_at, updated_at)"
    " SELECT 'Bench note ' || g, 'contacts', :c, now() - (g * interval '1 hour') - (random() * interval '59 minutes'), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO tasks (title, related_type, related_id, created_at, updated_at)"
    " SELECT 'Bench task ' || g, 'contacts', :c, now() - (g * interval '1 hour') - (random() * interval '59 minutes'), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO entity_events (entity_type, entity_id, action, version, changes, occurred_at)"
    " SELECT 'contacts', :c, 'updated', g + 1, jsonb_build_object('company',"
    " jsonb_build_object('before', 'A' || g, 'after', 'B' || g)), now() - (g * interval '1 hour') - (random() * interval '59 minutes') FROM generate_series(1, :n) g",
)
CLEANUP = (
    "DELETE FROM entity_events WHERE entity_id IN (SELECT id FROM contacts WHERE :t = ANY(tags))",
    "DELETE FROM notes WHERE related_id IN (SELECT id FROM contacts WHERE :t = ANY(tags))",
    "DELETE FROM tasks WHERE related_id IN (SELECT id FROM contacts WHERE :t = ANY(tags))",
    "DELETE FROM calls WHERE contact_id IN (SELECT id FROM contacts WHERE :t = ANY(tags))",
    "DELETE FROM contacts WHERE :t = ANY(tags)",
    "DELETE FROM users WHERE email = :t || '@example.test'",
)


async def seed_timeline(engine: AsyncEngine, tag: str) -> str:
    """A contact with PER_KIND calls, notes, tasks and change events, an hour apart."""
    async with engine.begin() as conn:
        contact = (
            await conn.execute(
                text(
                    "INSERT INTO contacts (name, tags) VALUES ('Timeline Bench', ARRAY[:t])"
                    " RETURNING id"
                ),
                {"t": tag},
            )
        ).scalar_one()
        for statement in SEED:
            await conn.execute(text(statement), {"c": contact, "n": PER_KIND})
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("calls", "notes", "tasks", "entity_events"):
            await conn.execute(text("VACUUM ANALYZE " + table))
    return str(contact)


async def sign_in(http: httpx.AsyncClient, engine: AsyncEngine, tag: str) -> None:
    email = f"{tag}@example.test"
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (email, full_name, role, password_hash)"
                 " VALUES (:e, 'Bench Admin', 'admin', :h)"),
            {"e": email, "h": hash_password(PASSWORD)},
        )  # fmt: skip
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()


async def latencies(request: Callable[[], Awaitable[httpx.Response]], count: int) -> list[float]:
    """Milliseconds of ``count`` requests, CONCURRENCY at a time."""
    times: list[float] = []

    async def one_client(share: int) -> None:
        for _ in range(share):
            started = time.perf_counter()
            response = await request()
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"timeline answered {response.status_code}: {response.text[:300]}")

    await asyncio.gather(*(one_client(count // CONCURRENCY) for _ in range(CONCURRENCY)))
    return times


def report(name: str, times: list[float]) -> float:
    cuts = statistics.quantiles(times, n=100)
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(f"  {name:<28} n={len(times):<5} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms")
    return p95


async def timeline_bench(base_url: str, engine: AsyncEngine, tag: str) -> bool:
    contact = await seed_timeline(engine, tag)
    url = f"/api/v1/contacts/{contact}/timeline"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        await sign_in(http, engine, tag)
        first = await http.get(url, params={"limit": 50})
        first.raise_for_status()
        page = first.json()
        assert len(page["items"]) == 50, page
        assert page["next_cursor"], page
        later = (await http.get(url, params={"limit": 50, "cursor": page["next_cursor"]})).json()
        deep = later["next_cursor"]
        await latencies(lambda: http.get(url, params={"limit": 50}), 100)  # warm-up
        print(f"timeline of a contact with {4 * PER_KIND} items, {CONCURRENCY} clients:")
        p95 = report(
            "first page (50)",
            await latencies(lambda: http.get(url, params={"limit": 50}), REQUESTS),
        )
        report("third page (by cursor)", await latencies(
            lambda: http.get(url, params={"limit": 50, "cursor": deep}), REQUESTS // 2))  # fmt: skip
        report("for scale: 50 notes, list", await latencies(
            lambda: http.get("/api/v1/notes", params={"limit": 50}), REQUESTS // 2))  # fmt: skip
        report("calls only", await latencies(
            lambda: http.get(url, params={"limit": 50, "kind": "call"}), REQUESTS // 2))  # fmt: skip
    ok = p95 < TARGET_P95_MS
    print(
        f"  first-page p95 {p95:.1f} ms, target < {TARGET_P95_MS:.0f} ms: {'OK' if ok else 'MISSED'}"
    )
    return ok


async def subscriber(  # noqa: PLR0917 - a bench helper
    ws_url: str,
    key: str,
    secret: str,
    user_id: str,
    received: list[float],
    everything: asyncio.Event,
) -> ClientConnection:
    """A WebSocket on the employee's personal channel that notes when each notification came."""
    ws = await connect(ws_url, max_queue=None)
    established = json.loads(await ws.recv())
    socket_id = json.loads(established["data"])["socket_id"]
    channel = f"private-user.{user_id}"
    auth = channel_auth(key, secret, socket_id, channel)
    await ws.send(
        json.dumps({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}})
    )
    while "subscription_succeeded" not in (reply := str(await ws.recv())):
        if "pusher:error" in reply:
            sys.exit(f"subscribe refused: {reply}")

    async def count() -> None:
        async for message in ws:
            if '"notification.created"' in str(message):
                received.append(time.perf_counter())
                if len(received) == EMPLOYEES * PER_EMPLOYEE:
                    everything.set()

    asyncio.get_running_loop().create_task(count())
    return ws


async def burst_bench(base_url: str, engine: AsyncEngine, tag: str) -> bool:
    settings = get_settings()
    users = [str(uuid.uuid4()) for _ in range(EMPLOYEES)]
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (id, email, full_name, role) SELECT u::uuid,"
                 " :tag || '-' || n || '@example.test', 'Bench Agent ' || n, 'agent'"
                 " FROM unnest(CAST(:ids AS text[])) WITH ORDINALITY AS x(u, n)"),
            {"tag": tag, "ids": users},
        )  # fmt: skip
    ws_url = base_url.replace("http", "ws", 1) + f"/app/{settings.realtime_key}?protocol=7"
    secret = settings.realtime_secret.get_secret_value()
    received: list[float] = []
    everything = asyncio.Event()
    sockets = [
        await subscriber(ws_url, settings.realtime_key, secret, u, received, everything)
        for u in users
    ]
    now = datetime.now(UTC)
    due = now + timedelta(minutes=max(1, settings.notifications_due_lead_minutes // 2))
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO tasks (title, assignee_id, due_at) SELECT 'Bench due ' || n,"
                 " u::uuid, :due FROM unnest(CAST(:ids AS text[])) AS x(u),"
                 " generate_series(1, :per) n"),
            {"ids": users, "due": due, "per": PER_EMPLOYEE},
        )  # fmt: skip
    expected = EMPLOYEES * PER_EMPLOYEE
    async with open_resources(settings) as resources:
        started = time.perf_counter()
        created = await notify_due_tasks(resources, now)
        stored = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(everything.wait(), 30)
    for ws in sockets:
        await ws.close()
    last = max(received) - started if received else float("nan")
    print(f"notification burst: {created} created for {EMPLOYEES} employees in"
          f" {(stored - started) * 1000:.0f} ms (stored and published);"
          f" {len(received)}/{expected} delivered, the last {last * 1000:.0f} ms after the start")  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM tasks WHERE assignee_id = ANY(CAST(:ids AS uuid[]))"), {"ids": users}
        )
        await conn.execute(
            text("DELETE FROM users WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": users}
        )
    return created == expected and len(received) == expected


async def cleanup(engine: AsyncEngine, tag: str) -> None:
    async with engine.begin() as conn:
        for statement in CLEANUP:
            await conn.execute(text(statement), {"t": tag})


async def main() -> int:
    base_url = os.environ.get("SB_BASE_URL", "http://127.0.0.1:8080")
    engine = create_async_engine(get_settings().database_url.get_secret_value())
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        timeline_ok = await timeline_bench(base_url, engine, tag)
        burst_ok = await burst_bench(base_url, engine, tag)
    finally:
        await cleanup(engine, tag)
        await engine.dispose()
    return 0 if timeline_ok and burst_ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
