"""Faults on one machine: ``kill -9`` of each process of the test stack under light load.

For each process (an API worker, the API parent, the realtime node, the worker,
PostgreSQL, Redis, SeaweedFS, the PBX simulator, nginx) while a writer creates contacts
and a reader lists them through nginx, and a pusher-js subscriber follows
``private-contacts`` with the recovery recipe (tests/js/client.mjs):

- the rest keep running (no other supervised program restarts) and keep answering;
- the killed process is back within seconds (the supervisor restarted it);
- no acknowledged write is lost, and the subscriber applied every event of them exactly once.

Also: a session created one second before ``kill -9`` of Redis still works after its restart
(append-only file, fsync every second), and a burst of 500 WebSocket connects through nginx
while the realtime node restarts gets 503s to retry, never a 502.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from switchboard_api.settings import ApiSettings, get_settings

from fixtures.auth import UserFactory, client
from realtime_support.jsclient import JsClient, ensure_node_modules
from realtime_support.people import Person, harness_config, sign_in_person, unique_name
from realtime_support.stream import Applied, wait_applied
from realtime_support.supervised import TARGETS, Target, replacement, running_pids

#: how long a killed process may take to be back and the stack ready again
RECOVERY_SECONDS = 30.0
WRITE_INTERVAL = 0.2
READ_INTERVAL = 0.1


# What keeps answering while a program is down: probe -> the programs it needs.
PROBES = {
    "spa": {"nginx"},
    "api-healthz": {"api"},
    "realtime-healthz": {"realtime"},
    "pbxsim-healthz": {"pbxsim"},
}


def probe_urls(base_url: str) -> dict[str, str]:
    return {
        "spa": f"{base_url}/",
        "api-healthz": f"{os.environ['SB_API_URL']}/api/healthz",
        "realtime-healthz": f"{os.environ['SB_REALTIME_URL']}/healthz",
        "pbxsim-healthz": f"{os.environ['SB_PBXSIM_URL']}/healthz",
    }


async def all_ready(http: httpx.AsyncClient, base_url: str) -> bool:
    """Whether the whole stack answers: readiness through nginx, every probe."""
    urls = [f"{base_url}/api/readyz", *probe_urls(base_url).values()]
    try:
        answers = await asyncio.gather(*(http.get(u, timeout=2) for u in urls))
    except httpx.HTTPError:
        return False
    return all(a.status_code == 200 for a in answers)


@dataclass
class Load:
    """A writer (contacts created through nginx) and a reader (lists), each a loop."""

    base_url: str
    person: Person
    acknowledged: list[str] = field(default_factory=list)
    failed_writes: int = 0
    reads: list[int] = field(default_factory=list)  # status per read, 0 for no answer
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def _write_loop(self, http: httpx.AsyncClient) -> None:
        while True:
            try:
                resp = await http.post("/api/v1/contacts", json={"name": unique_name("fault")})
            except httpx.HTTPError:
                self.failed_writes += 1
            else:
                if resp.status_code == 201:
                    self.acknowledged.append(resp.json()["id"])
                else:
                    self.failed_writes += 1
            await asyncio.sleep(WRITE_INTERVAL)

    async def _read_loop(self, http: httpx.AsyncClient) -> None:
        while True:
            try:
                status = (await http.get("/api/v1/contacts", params={"limit": 5})).status_code
            except httpx.HTTPError:
                status = 0
            self.reads.append(status)
            await asyncio.sleep(READ_INTERVAL)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        headers = {"authorization": f"Bearer {self.person.token}"}
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=5) as http:
            self._tasks = [
                asyncio.create_task(self._write_loop(http)),
                asyncio.create_task(self._read_loop(http)),
            ]
            try:
                yield self
            finally:
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


@pytest.fixture(scope="module", autouse=True)
async def leave_the_stack_healthy(base_url: str) -> AsyncIterator[None]:
    """The modules after this one share the stack: hand it over answering steadily.

    Wait for a run of good answers (both API workers) before handing it over.
    """
    yield
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=5, limits=fresh) as http:
        in_a_row, deadline = 0, time.monotonic() + 60
        while in_a_row < 10:
            assert time.monotonic() < deadline, "the stack did not settle after the faults"
            try:
                ok = (await http.get("/api/readyz")).status_code == 200
            except httpx.HTTPError:
                ok = False
            in_a_row = in_a_row + 1 if ok else 0
            await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
def api_settings() -> ApiSettings:
    return get_settings()


@pytest.fixture(scope="module")
async def users(api_settings: ApiSettings) -> AsyncIterator[UserFactory]:
    # pre_ping: the module kills PostgreSQL, and the cleanup must not trip on a dead connection
    engine = create_async_engine(
        api_settings.database_url.get_secret_value(), pool_size=1, pool_pre_ping=True
    )
    factory = UserFactory(engine)
    yield factory
    await factory.cleanup()
    await engine.dispose()


@pytest.fixture(scope="module")
async def writer(base_url: str, users: UserFactory, api_settings: ApiSettings) -> Person:
    return await sign_in_person(base_url, users, api_settings, "agent")


@pytest.fixture(scope="module")
async def subscriber(
    base_url: str, users: UserFactory, api_settings: ApiSettings
) -> AsyncIterator[JsClient]:
    """A pusher-js client through nginx applying contacts events from the feed head on."""
    person = await sign_in_person(base_url, users, api_settings, "agent")
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        resp = await http.get(
            "/api/v1/events",
            params={"after": 0, "limit": 1},
            headers={"authorization": f"Bearer {person.token}"},
        )
    head = resp.json()["head"]
    key = os.environ.get("RT_APP_KEY", "switchboard-key")
    config = harness_config(base_url, key, person, ["private-contacts"], replay_after=head)
    js = await JsClient.start("fault-subscriber", config)
    await js.subscribed("private-contacts")
    yield js
    await js.close()


async def wait_back(
    http: httpx.AsyncClient, base_url: str, name: str, replaced: Callable[[], bool]
) -> float:
    """Seconds until the killed process is replaced and the whole stack is ready."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_SECONDS:
        if replaced() and await all_ready(http, base_url):
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} was not back within {RECOVERY_SECONDS:.0f} s: {running_pids()}")


async def watch_probes(
    http: httpx.AsyncClient, base_url: str, target: Target, stop: asyncio.Event
) -> dict[str, list[int]]:
    """Probe what does not need the killed process until ``stop``; the statuses seen."""
    urls = {
        probe: url
        for probe, url in probe_urls(base_url).items()
        if not (target.outage and target.program in PROBES[probe])
    }
    seen: dict[str, list[int]] = {probe: [] for probe in urls}
    while not stop.is_set():
        for probe, url in urls.items():
            try:
                seen[probe].append((await http.get(url, timeout=3)).status_code)
            except httpx.HTTPError:
                seen[probe].append(0)
        await asyncio.sleep(0.2)
    return seen


async def contact_events(person: Person, base_url: str, ids: set[str]) -> set[int]:
    """The feed offsets of the ``created`` events of these contacts (waits for all)."""
    headers = {"authorization": f"Bearer {person.token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as http:
        for _ in range(100):
            offsets: dict[str, int] = {}
            after = 0
            while True:
                page = (await http.get("/api/v1/events", params={"after": after})).json()
                for event in page["events"]:
                    if event["entity_id"] in ids and event["action"] == "created":
                        offsets[event["entity_id"]] = event["offset"]
                after = page["next_after"]
                if not page["has_more"]:
                    break
            if len(offsets) == len(ids):
                return set(offsets.values())
            await asyncio.sleep(0.2)
    raise AssertionError(f"only {len(offsets)} of {len(ids)} acknowledged writes reached the feed")


@pytest.mark.parametrize("name", list(TARGETS))
async def test_kill_9_under_load(
    base_url: str, name: str, writer: Person, subscriber: JsClient
) -> None:
    target = TARGETS[name]
    load = Load(base_url, writer)
    # A fresh connection per probe: a kept-alive one may lead to the killed process.
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=5, limits=fresh) as http:
        assert await all_ready(http, base_url), "the stack is ready before the fault"
        before = running_pids()
        async with load.running():
            await asyncio.sleep(1.5)
            assert load.acknowledged, "writes succeed before the fault"
            victim = target.find(before[target.program])
            replaced = replacement(name, before, victim)
            stop = asyncio.Event()
            probing = asyncio.create_task(watch_probes(http, base_url, target, stop))
            os.kill(victim, signal.SIGKILL)
            try:
                seconds = await wait_back(http, base_url, name, replaced)
            finally:
                stop.set()
                answered = await probing
            await asyncio.sleep(1.0)  # the writer and reader go on against the healed stack
        after = running_pids()
        recent_reads = load.reads[-5:]

    print(
        f"{name}: back in {seconds:.1f} s; {len(load.acknowledged)} writes acknowledged, "
        f"{load.failed_writes} failed"
    )
    others = {p: pid for p, pid in before.items() if p != target.program}
    assert {p: after.get(p) for p in others} == others, "no other program restarted"
    for probe, statuses in answered.items():
        assert statuses, f"{probe} was never probed"
        assert set(statuses) == {200}, f"{probe} stopped answering: {statuses}"
    assert recent_reads, "reads went on after recovery"
    assert set(recent_reads) == {200}, f"reads after recovery: {recent_reads}"

    ids = set(load.acknowledged)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"authorization": f"Bearer {writer.token}"}, timeout=10
    ) as api:
        for contact_id in ids:
            resp = await api.get(f"/api/v1/contacts/{contact_id}")
            assert resp.status_code == 200, f"acknowledged contact {contact_id} lost"
    expected = await contact_events(writer, base_url, ids)
    applied: Applied = await wait_applied(subscriber, expected, 30)
    assert len(applied.offsets) == len(set(applied.offsets)), f"applied twice: {applied.summary()}"


async def test_a_session_made_a_second_before_redis_is_killed_survives(
    base_url: str, users: UserFactory
) -> None:
    user = await users.create("agent")
    login = {"email": user.email, "password": user.password}
    async with client(base_url) as http:
        signed_in = await http.post("/api/v1/auth/login", json=login)
        assert signed_in.status_code == 200, signed_in.text
        await asyncio.sleep(1.0)
        pid = running_pids()["redis"]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + RECOVERY_SECONDS
        while running_pids().get("redis") in (None, pid) or not await all_ready(http, base_url):
            assert time.monotonic() < deadline, "Redis was not back in time"
            await asyncio.sleep(0.2)
        me = await http.get("/api/v1/auth/me")
        # Every pooled connection of both API workers led to the old Redis: none may fail
        # a request now (each once answered 503 before the client retried them).
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base_url, timeout=5, limits=fresh) as probe:
            after = [(await probe.get("/api/readyz")).status_code for _ in range(30)]
    assert me.status_code == 200, me.text
    assert me.json()["email"] == user.email
    assert set(after) == {200}, after


BURST = 500


async def _connect_through_nginx(url: str, refused: list[int]) -> ClientConnection:
    """Connect like a client that retries a refused handshake; note every refusal."""
    for _ in range(100):
        try:
            ws = await ws_connect(url, open_timeout=20)
        except InvalidStatus as exc:
            refused.append(exc.response.status_code)
            await asyncio.sleep(0.5)
            continue
        frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert frame["event"] == "pusher:connection_established"
        return ws
    raise AssertionError("never connected")


async def test_a_burst_of_websocket_connects_during_a_restart_gets_no_502(base_url: str) -> None:
    """Every client of a restarted node reconnects at once: while it is down they are told
    to retry (503), and once it listens all of them are queued and served, none refused."""
    key = os.environ.get("RT_APP_KEY", "switchboard-key")
    url = base_url.replace("http://", "ws://") + f"/app/{key}?protocol=7&client=js&version=8.4.0"
    pid = running_pids()["realtime"]
    os.kill(pid, signal.SIGKILL)
    refused: list[int] = []
    connected = await asyncio.gather(
        *(_connect_through_nginx(url, refused) for _ in range(BURST)), return_exceptions=True
    )
    opened = [ws for ws in connected if isinstance(ws, ClientConnection)]
    await asyncio.gather(*(ws.close() for ws in opened))
    assert len(opened) == BURST, [repr(x) for x in connected if x not in opened][:5]
    assert 502 not in refused, f"{refused.count(502)} of {len(refused)} refusals were 502"
    assert set(refused) <= {503}, refused
