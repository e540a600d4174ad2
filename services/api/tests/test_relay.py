"""The outbox relay, end to end: worker process -> real realtime node -> WebSocket subscriber.

Every event reaches a subscriber exactly once and in offset order under normal operation;
after the worker (relay and sequencer) is killed with SIGKILL mid-stream, a new worker
resumes and the subscriber, deduplicating by offset, has every event with no gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from switchboard_api.events.recorder import record_event
from switchboard_api.events.relay import Relay
from switchboard_api.events.repository import Unpublished
from switchboard_api.events.sequencer import Sequencer, sequence_pending
from switchboard_api.realtime.publisher import Publisher
from switchboard_api.settings import get_settings

from fixtures.scratch_db import create_scratch_database, drop_scratch_database
from realtime_support.pusher_socket import PusherSocket, app_url, decode_data

APP_ID = "7"
KEY = "relay-test-key"
SECRET = "relay-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    """A subprocess with its log file."""

    process: asyncio.subprocess.Process
    log_path: str

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode or 0


async def spawn(module: str, env: dict[str, str], *args: str) -> Proc:
    log = tempfile.NamedTemporaryFile(prefix=f"{module}-", suffix=".log", delete=False)  # noqa: SIM115
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, env=env, stdout=log, stderr=log
    )
    return Proc(process, log.name)


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Stack:
    """A scratch database, a realtime node, and how to start workers against them."""

    db_url: str
    rt_port: int
    engine: AsyncEngine
    procs: list[Proc] = field(default_factory=list)

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "RT_"))}
        base = get_settings()
        return env | {
            "API_DATABASE_URL": self.db_url,
            "API_REDIS_URL": base.redis_url.get_secret_value(),
            "API_REALTIME_API_URL": f"http://127.0.0.1:{self.rt_port}",
            "API_REALTIME_APP_ID": APP_ID,
            "API_REALTIME_KEY": KEY,
            "API_REALTIME_SECRET": SECRET,
            "API_WORKER_QUEUE": f"relay-test-{uuid.uuid4().hex[:8]}",
            "API_RELAY_BATCH_EVENTS": "20",
            "API_RELAY_MAX_BACKOFF_SECONDS": "0.5",
        }

    async def start_worker(self, **settings: str) -> Proc:
        proc = await spawn("switchboard_api", self.worker_env() | settings, "worker")
        self.procs.append(proc)
        return proc

    async def start_realtime(self) -> Proc:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "RT_"))}
        redis_url = get_settings().redis_url.get_secret_value()
        env |= {
            "RT_HOST": "127.0.0.1",
            "RT_PORT": str(self.rt_port),
            "RT_REDIS_URL": redis_url,
            "RT_REDIS_PREFIX": f"relaytest:{uuid.uuid4().hex[:10]}",
            "RT_APP_ID": APP_ID,
            "RT_APP_KEY": KEY,
            "RT_APP_SECRET": SECRET,
        }
        proc = await spawn("switchboard_realtime", env)
        self.procs.append(proc)

        async def healthy() -> bool:
            if proc.process.returncode is not None:
                raise AssertionError(f"realtime exited: {proc.log()}")
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.rt_port)
            except OSError:
                return False
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            ok = (await reader.read()).startswith(b"HTTP/1.1 200")
            writer.close()
            return ok

        await wait_until(healthy, 15, "the realtime node")
        return proc

    async def write(self, count: int, per_tx: int = 1, entity_id: uuid.UUID | None = None) -> None:
        sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        for _ in range(0, count, per_tx):
            async with sessions() as session, session.begin():
                for _ in range(per_tx):
                    await record_event(
                        session,
                        entity_type="contacts",
                        entity_id=entity_id or uuid.uuid4(),
                        action="updated",
                        actor_id=None,
                        version=2,
                        changes={"name": {"before": "a", "after": "b"}, "email": {"after": "x"}},
                    )

    async def count(self, where: str) -> int:
        async with self.engine.connect() as conn:
            got = await conn.execute(text(f"SELECT count(*) FROM entity_events WHERE {where}"))  # noqa: S608
            return int(got.scalar_one())


class Subscriber:
    """The ``entity.changed`` messages of one private channel, collected in the background
    over the repository's Pusher test client."""

    def __init__(self, port: int, channel: str) -> None:
        self.port = port
        self.channel = channel
        self.received: list[dict[str, Any]] = []
        self._socket: PusherSocket | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Subscriber:
        url = app_url(f"http://127.0.0.1:{self.port}", KEY)
        self._socket = await PusherSocket.connect(url, key=KEY, secret=SECRET)
        reply = await self._socket.subscribe(self.channel)
        assert reply["event"] == "pusher_internal:subscription_succeeded", reply
        self._task = asyncio.create_task(self._collect())
        return self

    async def _collect(self) -> None:
        assert self._socket is not None
        async for raw in self._socket.ws:  # until the connection closes
            frame = json.loads(raw)
            if frame.get("event") == "entity.changed" and frame.get("channel") == self.channel:
                self.received.append(decode_data(frame))

    @property
    def offsets(self) -> list[int]:
        return [m["offset"] for m in self.received]

    async def __aexit__(self, *_: object) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket:
            await self._socket.close()


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    base = get_settings().database_url.get_secret_value()
    url = await create_scratch_database(base)
    engine = create_async_engine(url)
    stack = Stack(db_url=url, rt_port=free_port(), engine=engine)
    yield stack
    for proc in stack.procs:
        await proc.stop(signal.SIGKILL)
    await engine.dispose()
    await drop_scratch_database(base, url)


async def test_every_event_arrives_once_in_order(stack: Stack) -> None:
    await stack.start_realtime()
    record = uuid.uuid4()
    async with (
        Subscriber(stack.rt_port, "private-contacts") as by_type,
        Subscriber(stack.rt_port, f"private-contacts.{record}") as by_record,
    ):
        worker = await stack.start_worker()
        await stack.write(150, per_tx=3)
        await stack.write(10, entity_id=record)

        async def all_in() -> bool:
            return len(by_type.offsets) >= 160 and len(by_record.offsets) >= 10

        await wait_until(all_in, 30, f"160 events (worker log: {worker.log()[-2000:]})")
        await asyncio.sleep(0.3)  # anything extra (a duplicate) would arrive now
    assert by_type.offsets == list(range(1, 161))
    assert by_record.offsets == list(range(151, 161))
    message = by_record.received[0]
    assert message == {
        "offset": 151,
        "type": "contacts",
        "id": str(record),
        "version": 2,
        "action": "updated",
        "actor": None,
        "fields": ["email", "name"],  # names only, never values
    }

    async def all_marked() -> bool:  # a moment after publishing, all at once
        return await stack.count("published_at IS NULL") == 0

    await wait_until(all_marked, 5, "every event marked published")
    assert await worker.stop() == 0  # SIGTERM: clean exit
    assert "HTTP Request:" not in worker.log()  # no log line per publish


async def test_killing_the_relay_mid_stream_loses_nothing(stack: Stack) -> None:
    await stack.start_realtime()
    total = 1000
    async with Subscriber(stack.rt_port, "private-contacts") as sub:
        first = await stack.start_worker()
        writer = asyncio.create_task(stack.write(total, per_tx=2))

        async def some() -> bool:
            return len(sub.offsets) >= 200

        await wait_until(some, 30, "the first events")
        os.kill(first.process.pid, signal.SIGKILL)  # sequencer and relay die mid-stream
        await first.process.wait()
        await asyncio.sleep(0.5)
        received_while_down = len(sub.offsets)
        await stack.start_worker()
        await writer

        async def complete() -> bool:
            return len(set(sub.offsets)) >= total

        await wait_until(complete, 60, "every event after the restart")
    assert received_while_down < total  # it really was killed mid-stream
    unique: list[int] = []
    for offset in sub.offsets:  # replay as a client does: skip what was already applied
        if offset > (unique[-1] if unique else 0):
            unique.append(offset)
        else:
            assert offset in unique  # only redeliveries of applied events, never new ones
    assert unique == list(range(1, total + 1))


async def test_nothing_is_marked_published_while_realtime_is_down(stack: Stack) -> None:
    await stack.start_worker()  # the realtime node is not running yet
    await stack.write(30, per_tx=5)

    async def sequenced() -> bool:
        return await stack.count('"offset" IS NOT NULL') == 30

    await wait_until(sequenced, 15, "sequencing")
    await asyncio.sleep(1.0)  # the relay keeps retrying meanwhile
    assert await stack.count("published_at IS NOT NULL") == 0
    await stack.start_realtime()

    async def published() -> bool:
        return await stack.count("published_at IS NULL") == 0

    await wait_until(published, 20, "publishing once realtime is back")


async def test_marks_are_written_for_many_publishes_at_once(stack: Stack) -> None:
    await stack.start_realtime()
    async with Subscriber(stack.rt_port, "private-contacts") as sub:
        await stack.start_worker()
        started = time.monotonic()
        for _ in range(60):  # one event per transaction, over more than a second
            await stack.write(1)
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - started

        async def all_marked() -> bool:
            return await stack.count("published_at IS NULL") == 0

        # A liveness wait (a loaded machine starts the worker slowly); what is tested is
        # the number of marking statements below.
        await wait_until(all_marked, 30, "every event marked published")
    assert sub.offsets == list(range(1, 61))
    # published_at is the marking statement's time: one value per statement. Marked as
    # they were acknowledged, there would be one per publish (dozens here).
    async with stack.engine.connect() as conn:
        got = await conn.execute(text("SELECT count(DISTINCT published_at) FROM entity_events"))
        statements = int(got.scalar_one())
    assert elapsed > 1.0
    assert statements <= elapsed / 0.2 + 3


async def test_a_stopping_relay_marks_what_it_published(stack: Stack) -> None:
    await stack.start_realtime()
    async with Subscriber(stack.rt_port, "private-contacts") as sub:
        worker = await stack.start_worker(API_RELAY_MARK_SECONDS="60")
        await stack.write(10)

        async def received() -> bool:
            return len(sub.offsets) == 10

        await wait_until(received, 15, "the events")
        await asyncio.sleep(0.5)  # the relay has read the acknowledgement by now
        assert await stack.count("published_at IS NULL") == 10  # marks wait their turn...
        assert await worker.stop() == 0
    assert await stack.count("published_at IS NULL") == 0  # ...but not past a SIGTERM


def events(*offsets: int) -> list[Unpublished]:
    """Events as a sequencing pass hands them over."""
    return [
        Unpublished(offset, "contacts", uuid.uuid4(), 2, "updated", None, ["name"])
        for offset in offsets
    ]


async def test_a_pass_handed_over_is_published_without_reading_the_table(stack: Stack) -> None:
    """The worker's sequencer hands its passes to its relay: contiguous ones are published
    as they are; after a gap (offsets numbered elsewhere) the relay reads the table, in
    order, and nothing is lost or repeated."""
    await stack.start_realtime()
    async with (
        httpx.AsyncClient() as http,
        Subscriber(stack.rt_port, "private-contacts") as sub,
    ):
        publisher = Publisher(
            http,
            base_url=f"http://127.0.0.1:{stack.rt_port}",
            app_id=APP_ID,
            key=KEY,
            secret=SECRET,
        )
        dsn = stack.db_url.replace("postgresql+asyncpg://", "postgresql://")
        relay = Relay(dsn, publisher, poll_seconds=60)  # no polling: hand-overs and NOTIFYs
        sequencer = Sequencer(
            stack.engine,
            redis=None,
            on_sequenced=relay.sequenced,
            on_pass_started=relay.pass_started,
        )
        running = asyncio.create_task(relay.run())
        try:
            await asyncio.wait_for(relay.active.wait(), 10)
            for count in (5, 3):
                await stack.write(count)
                assert await sequencer.drain() == count

            async def got(n: int) -> Callable[[], Awaitable[bool]]:
                async def check() -> bool:
                    return len(sub.offsets) >= n

                return check

            await wait_until(await got(8), 10, "the handed-over events")
            assert (relay.batches_handed, relay.batches_read) == (2, 0)

            await stack.write(2)
            assert await sequence_pending(stack.engine) == 2  # numbered by another process
            await stack.write(2)
            assert await sequencer.drain() == 2  # handed over after a gap
            await wait_until(await got(12), 10, "the events after the gap")
            await asyncio.sleep(0.3)  # a duplicate would arrive now
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await sequencer.close()
    assert sub.offsets == list(range(1, 13))
    assert relay.batches_read >= 1


async def test_a_wake_up_for_offsets_already_fetched_is_ignored() -> None:
    """The worker's sequencer hands its offsets to its relay directly, and the NOTIFY for
    the same pass follows: only an offset beyond what the relay has fetched wakes it."""
    async with httpx.AsyncClient() as http:
        publisher = Publisher(
            http, base_url="http://127.0.0.1:9", app_id=APP_ID, key=KEY, secret=SECRET
        )
    relay = Relay("postgresql://127.0.0.1:9/none", publisher)
    wakeup = relay._listener.wakeup
    relay.sequenced(events(4, 5))
    assert wakeup.is_set()
    wakeup.clear()
    relay._fetched = 5
    relay.sequenced(events(4, 5))
    assert not wakeup.is_set()
    relay._listener._on_notify(None, 0, "entity_events_sequenced", "4")
    assert not wakeup.is_set()
    relay._listener._on_notify(None, 0, "entity_events_sequenced", "6")
    assert wakeup.is_set()


async def test_a_notify_during_this_process_s_pass_waits_for_its_hand_over() -> None:
    """A pass's NOTIFY can reach the relay before the pass returns to the sequencer: the
    relay puts it off (a table read would race the hand-over) until the pass is over, and
    then wakes, whether the pass handed events over or numbered nothing."""
    async with httpx.AsyncClient() as http:
        publisher = Publisher(
            http, base_url="http://127.0.0.1:9", app_id=APP_ID, key=KEY, secret=SECRET
        )
    relay = Relay("postgresql://127.0.0.1:9/none", publisher)
    wakeup = relay._listener.wakeup
    relay.pass_started()
    relay._listener._on_notify(None, 0, "entity_events_sequenced", "5")
    assert not wakeup.is_set()
    relay.sequenced(events(1, 5))
    assert wakeup.is_set()
    wakeup.clear()
    relay.pass_started()
    relay._listener._on_notify(None, 0, "entity_events_sequenced", "7")
    assert not wakeup.is_set()
    relay.sequenced([])  # numbered nothing (or failed): the NOTIFY was someone else's
    assert wakeup.is_set()
    wakeup.clear()
    relay.sequenced([])  # no NOTIFY was put off: nothing to do
    assert not wakeup.is_set()
