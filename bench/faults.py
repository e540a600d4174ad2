"""The fault table of issue 17, rerun: ``kill -9`` of each process under a steady mixed load,
then a reconnect burst of 1,000 WebSocket clients.

Against the stack ``make bench`` starts (supervised by supervisord; ``SB_SUPERVISOR_URL``).
Load, as the issue measured it: 20 writes/s from 4 employees (contacts created through
nginx), 50 reads/s (contact lists), and pusher-js subscribers following
docs/realtime-recovery.md (tests/js/client.mjs). For each process killed, one row:

- back: seconds until the supervisor has it running again and the whole stack answers;
- failed writes / reads from the kill until 10 s after recovery, and how many were 502;
- lost: acknowledged writes that are not there afterwards;
- missed / doubled: events of acknowledged writes some subscriber never applied, or
  applied twice;
- write p50 in the 5 s before the kill, and 5-10 s after recovery ("normal again").

The burst: BENCH_FAULTS_BURST clients (default 1,000) connect through nginx, subscribe to
``private-contacts`` (authorised by the API) and are caught up; the realtime node is
killed; every client reconnects (retrying 503s), subscribes again and replays the feed
from where it was caught up (the recipe's rule), which costs one short page each. Printed:
the burst's duration, feed pages and events read, API CPU, write p50/p99 during the burst.
For comparison BENCH_FAULTS_STALE clients (default 200, the issue's count) replay instead
from the offset they had when the bench started, as a client whose replay position moves
only with the feed would.

Knobs: BENCH_FAULTS_SUBSCRIBERS (pusher-js clients, default 5), BENCH_FAULTS_ONLY (comma
separated fault names; ``burst`` for none), BENCH_FAULTS_BURST, BENCH_FAULTS_STALE.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

# The tests' helpers (users, pusher-js harness) drive the benchmark's employees too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "api" / "tests"))
from switchboard_api.settings import get_settings

from fixtures.auth import UserFactory
from realtime_support.jsclient import JsClient, ensure_node_modules
from realtime_support.people import Person, harness_config, sign_in_person, unique_name
from realtime_support.stream import Applied
from realtime_support.supervised import TARGETS, cpu_seconds, replacement, running_pids

BASE = os.environ["SB_BASE_URL"]
KEY = os.environ.get("RT_APP_KEY", "switchboard-key")
WRITERS, WRITES_PER_SECOND, READS_PER_SECOND = 4, 20, 50
SUBSCRIBERS = int(os.environ.get("BENCH_FAULTS_SUBSCRIBERS", "5"))
BURST = int(os.environ.get("BENCH_FAULTS_BURST", "1000"))
STALE = int(os.environ.get("BENCH_FAULTS_STALE", "200"))
ONLY = [x for x in os.environ.get("BENCH_FAULTS_ONLY", "").split(",") if x]
AFTER_RECOVERY = 10.0


@dataclass
class Outcome:
    """One request of the load: when it was sent, how long it took, its status (0: none)."""

    sent: float
    seconds: float
    status: int


@dataclass
class Load:
    """Writers and readers through nginx, each a loop at a fixed pace."""

    people: list[Person]
    writes: list[Outcome] = field(default_factory=list)
    reads: list[Outcome] = field(default_factory=list)
    acknowledged: list[tuple[float, str]] = field(default_factory=list)

    async def _paced(self, http: httpx.AsyncClient, every: float, write: bool) -> None:
        await asyncio.sleep(random.random() * every)
        while True:
            started = time.monotonic()
            try:
                if write:
                    resp = await http.post("/api/v1/contacts", json={"name": unique_name("bench")})
                else:
                    resp = await http.get("/api/v1/contacts", params={"limit": 20})
                status = resp.status_code
            except httpx.HTTPError:
                status = 0
            took = time.monotonic() - started
            (self.writes if write else self.reads).append(Outcome(started, took, status))
            if write and status == 201:
                self.acknowledged.append((started, resp.json()["id"]))
            await asyncio.sleep(max(0.0, every - took))

    def start(self) -> list[asyncio.Task[None]]:
        tasks = []
        for n, person in enumerate(self.people):
            headers = {"authorization": f"Bearer {person.token}"}
            http = httpx.AsyncClient(base_url=BASE, headers=headers, timeout=10)
            tasks.append(asyncio.create_task(self._paced(http, WRITERS / WRITES_PER_SECOND, True)))
            readers = READS_PER_SECOND // len(self.people) + (
                n < READS_PER_SECOND % len(self.people)
            )
            tasks += [asyncio.create_task(self._paced(http, 1.0, False)) for _ in range(readers)]
        return tasks


def between(outcomes: list[Outcome], start: float, end: float) -> list[Outcome]:
    return [o for o in outcomes if start <= o.sent < end]


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms_p50(outcomes: list[Outcome]) -> float:
    return 1000 * p([o.seconds for o in outcomes if o.status == 201], 0.5)


async def all_ready(http: httpx.AsyncClient) -> bool:
    urls = [
        f"{BASE}/api/readyz",
        f"{os.environ['SB_REALTIME_URL']}/healthz",
        f"{os.environ['SB_PBXSIM_URL']}/healthz",
    ]
    try:
        answers = await asyncio.gather(*(http.get(u, timeout=2) for u in urls))
    except httpx.HTTPError:
        return False
    return all(a.status_code == 200 for a in answers)


async def until(
    ready: Callable[[], Awaitable[bool]], first: Callable[[], bool] = lambda: True
) -> None:
    """Poll until ``first()`` (cheap, local) and then ``ready()`` (over HTTP) hold."""
    for _ in range(3000):
        if first() and await ready():
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the stack did not come back within 5 minutes")


async def created_offsets(person: Person, ids: set[str], after: int) -> dict[str, int]:
    """Feed offsets of the ``created`` events of these contacts."""
    found: dict[str, int] = {}
    headers = {"authorization": f"Bearer {person.token}"}
    async with httpx.AsyncClient(base_url=BASE, headers=headers, timeout=30) as http:
        while True:
            page = (await http.get("/api/v1/events", params={"after": after})).json()
            for e in page["events"]:
                if e["entity_id"] in ids and e["action"] == "created":
                    found[e["entity_id"]] = e["offset"]
            after = page["next_after"]
            if not page["has_more"]:
                return found


async def fault_row(
    name: str, load: Load, subscribers: list[JsClient], reader: Person, head: int
) -> str:
    target = TARGETS[name]
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=5, limits=fresh) as http:
        await until(lambda: all_ready(http))
        await asyncio.sleep(5)
        before = running_pids()
        victim = target.find(before[target.program])
        replaced = replacement(name, before, victim)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        await until(lambda: all_ready(http), replaced)
        back = time.monotonic()
    await asyncio.sleep(AFTER_RECOVERY)
    window = (killed, back + AFTER_RECOVERY)
    writes, reads = between(load.writes, *window), between(load.reads, *window)
    failed_w = [o for o in writes if o.status != 201]
    failed_r = [o for o in reads if o.status != 200]
    bad_gateway = sum(o.status == 502 for o in failed_w + failed_r)
    ids = {i for sent, i in load.acknowledged if window[0] - 5 <= sent < window[1]}
    async with httpx.AsyncClient(
        base_url=BASE, headers={"authorization": f"Bearer {reader.token}"}, timeout=10
    ) as api:
        lost = 0
        for contact_id in ids:
            lost += (await api.get(f"/api/v1/contacts/{contact_id}")).status_code != 200
    expected = set((await created_offsets(reader, ids, head)).values())
    lost += len(ids) - len(expected)
    deadline = time.monotonic() + 30
    while True:
        tallies = [Applied.of(s) for s in subscribers]
        missed = sum(len(expected - set(t.offsets)) for t in tallies)
        if not missed or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    doubled = sum(len(t.offsets) - len(set(t.offsets)) for t in tallies)
    base_p50 = ms_p50(between(load.writes, killed - 5, killed))
    after_p50 = ms_p50(between(load.writes, back + 5, back + AFTER_RECOVERY))
    return (
        f"{name:<11} {back - killed:6.1f} {len(failed_w):6d} {len(failed_r):6d} {bad_gateway:5d} "
        f"{lost:5d} {missed:7d} {doubled:7d} {base_p50:9.0f} {after_p50:9.0f}"
    )


@dataclass
class BurstClient:
    """One browser tab of the burst: a socket subscribed to ``private-contacts``."""

    token: str
    after: int
    ws: ClientConnection | None = None
    pages: int = 0
    events: int = 0
    refused: list[int] = field(default_factory=list)

    async def join(self, http: httpx.AsyncClient, *, replay: bool = True) -> None:
        url = BASE.replace("http://", "ws://") + f"/app/{KEY}?protocol=7&client=js&version=8.4.0"
        while True:
            try:
                # A short queue: frames that arrive before the next subscribe wait in the
                # kernel instead of costing this process a parse each.
                self.ws = await connect(url, open_timeout=30, max_queue=4)
                break
            except InvalidStatus as exc:
                self.refused.append(exc.response.status_code)
                await asyncio.sleep(0.5 + random.random())
            except OSError:
                await asyncio.sleep(0.5 + random.random())
        socket_id = json.loads(json.loads(await self.ws.recv())["data"])["socket_id"]
        auth_headers = {"authorization": f"Bearer {self.token}"}
        while True:
            resp = await http.post(
                "/api/v1/realtime/auth",
                data={"socket_id": socket_id, "channel_name": "private-contacts"},
                headers=auth_headers,
            )
            if resp.status_code == 200:
                break
            self.refused.append(resp.status_code)
            await asyncio.sleep(0.5 + random.random())
        message = {
            "event": "pusher:subscribe",
            "data": {"channel": "private-contacts", **resp.json()},
        }
        await self.ws.send(json.dumps(message))
        while "subscription_succeeded" not in str(await self.ws.recv()):
            pass
        while replay:  # the replay, from where this tab was caught up
            page = (
                await http.get(
                    "/api/v1/events",
                    params={"after": self.after, "limit": 500},
                    headers=auth_headers,
                )
            ).json()
            self.pages += 1
            self.events += len(page["events"])
            self.after = page["next_after"]
            if not page["has_more"]:
                return

    def drop(self) -> None:
        """The node is gone: forget the socket (as a browser's reconnect does)."""
        if self.ws is not None:
            self.ws.transport.abort()
            self.ws = None


def nginx_write_seconds(start: float, end: float) -> list[float]:
    """nginx's request time of each contact created between two wall-clock times: the
    server side's figure, not this process's (whose event loop the burst keeps busy)."""
    log = Path(os.environ["SB_STATE_DIR"]) / "logs" / "nginx-access.log"
    found = []
    for line in log.read_text(errors="replace").splitlines()[-200_000:]:
        if '"uri":"/api/v1/contacts"' not in line or '"method":"POST"' not in line:
            continue
        entry = json.loads(line)
        when = datetime.fromisoformat(entry["time"]).timestamp()
        if start <= when <= end and entry["status"] == 201:
            found.append(float(entry["request_time"]))
    return found


async def feed_head(http: httpx.AsyncClient, token: str) -> int:
    """The events feed's head offset now."""
    response = await http.get(
        "/api/v1/events",
        params={"after": 0, "limit": 1},
        headers={"authorization": f"Bearer {token}"},
    )
    head: int = response.json()["head"]
    return head


async def burst(
    tokens: list[str], count: int, start_after: int | None, load: Load, label: str
) -> str:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=BASE, timeout=120, limits=limits) as http:
        head = await feed_head(http, tokens[0])
        clients = [BurstClient(tokens[n % len(tokens)], head) for n in range(count)]
        gate = asyncio.Semaphore(50)

        async def first_join(c: BurstClient) -> None:
            async with gate:  # tabs that load the page now: caught up, nothing to replay
                await c.join(http, replay=False)

        await asyncio.gather(*(first_join(c) for c in clients))
        await asyncio.sleep(3)
        head = await feed_head(http, tokens[0])
        for c in clients:
            # Where each tab resumes: a caught-up tab has moved with every live message
            # (so it is at the head); the other is still where it loaded the page.
            c.after = head if start_after is None else start_after
            c.pages = c.events = 0
            c.refused.clear()
        api_pid = running_pids()["api"]
        cpu_before = cpu_seconds(api_pid)
        os.kill(running_pids()["realtime"], signal.SIGKILL)
        started, wall_started = time.monotonic(), time.time()
        for c in clients:
            c.drop()
        await asyncio.gather(*(c.join(http) for c in clients))
        seconds = time.monotonic() - started
        cpu = (cpu_seconds(api_pid) - cpu_before) / seconds
        for c in clients:
            if c.ws is not None:
                await c.ws.close()
    # "Normal again": the writes 5-10 s after the last client is back, as in the fault rows.
    await asyncio.sleep(AFTER_RECOVERY + 1)
    wall_back = wall_started + seconds
    before = nginx_write_seconds(wall_started - 5, wall_started)
    during = nginx_write_seconds(wall_started, wall_back)
    after = nginx_write_seconds(wall_back + 5, wall_back + AFTER_RECOVERY)
    refused = [s for c in clients for s in c.refused]
    return (
        f"{label}: {count} clients back and replayed in {seconds:.1f} s; "
        f"{sum(c.pages for c in clients)} feed pages, {sum(c.events for c in clients)} events "
        f"read; API CPU {100 * cpu:.0f}% (of one core); writes at nginx: p50 "
        f"{1000 * p(before, 0.5):.0f} ms before, during it p50 {1000 * p(during, 0.5):.0f} ms "
        f"p99 {1000 * p(during, 0.99):.0f} ms, 5-10 s after it p50 {1000 * p(after, 0.5):.0f} ms "
        f"p99 {1000 * p(after, 0.99):.0f} ms; refusals {sorted(set(refused))} "
        f"({refused.count(502)} were 502)"
    )


async def main() -> int:
    ensure_node_modules()
    settings = get_settings()
    # pre_ping: the bench kills PostgreSQL, and the users' cleanup must not trip on a
    # connection from before.
    engine = create_async_engine(
        settings.database_url.get_secret_value(), pool_size=1, pool_pre_ping=True
    )
    users = UserFactory(engine)
    try:
        people = [await sign_in_person(BASE, users, settings, "agent") for _ in range(WRITERS)]
        reader = await sign_in_person(BASE, users, settings, "admin")
        async with httpx.AsyncClient(base_url=BASE, timeout=10) as http:
            head = (
                await http.get(
                    "/api/v1/events",
                    params={"after": 0, "limit": 1},
                    headers={"authorization": f"Bearer {reader.token}"},
                )
            ).json()["head"]
        subscribers = []
        for n in range(SUBSCRIBERS):
            config = harness_config(
                BASE, KEY, people[n % WRITERS], ["private-contacts"], replay_after=head
            )
            subscribers.append(await JsClient.start(f"sub{n}", config))
        for s in subscribers:
            await s.subscribed("private-contacts")
        load = Load(people)
        tasks = load.start()
        print(
            f"load: {WRITES_PER_SECOND} writes/s from {WRITERS} employees, {READS_PER_SECOND} "
            f"reads/s, {SUBSCRIBERS} pusher-js subscribers (docs/realtime-recovery.md)\n"
            "fault       back s  fw     fr     502s  lost  missed  doubled  p50 ms<  p50 ms>"
        )
        try:
            for name in [n for n in ONLY if n in TARGETS] if ONLY else list(TARGETS):
                print(await fault_row(name, load, subscribers, reader, head), flush=True)
            tokens = [person.token for person in people]
            print(await burst(tokens, BURST, None, load, "reconnect burst, caught up"), flush=True)
            print(
                await burst(tokens, STALE, head, load, "reconnect burst, from page load"),
                flush=True,
            )
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for s in subscribers:
                await s.close()
    finally:
        await users.cleanup()
        await engine.dispose()
    print(
        "fw/fr: failed writes/reads from the kill to 10 s after recovery; p50 ms< / >: write "
        "p50 in the 5 s before the kill / 5-10 s after recovery"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
