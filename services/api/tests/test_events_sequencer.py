"""The sequencer: offsets only grow in the order events become visible."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from switchboard_api.events.pg import asyncpg_dsn
from switchboard_api.events.recorder import record_event
from switchboard_api.events.repository import Unpublished
from switchboard_api.events.sequencer import (
    SEQUENCED_CHANNEL,
    SEQUENCER_LOCK,
    Sequencer,
    sequence_pending,
)
from switchboard_api.events.tracing import RequestTrace, decode_wake, event_key
from switchboard_api.events.wake import CommitSignal, wake_channel
from switchboard_api.platform.outbox_sessions import outbox_sessionmaker
from switchboard_api.settings import get_settings
from switchboard_shared.logs import REQUEST_ID

from fixtures.scratch_db import create_scratch_database, drop_scratch_database


@pytest.fixture(scope="module")
async def db_url() -> AsyncIterator[str]:
    base = get_settings().database_url.get_secret_value()
    url = await create_scratch_database(base)
    yield url
    await drop_scratch_database(base, url)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db_url, pool_size=20, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(get_settings().redis_url.get_secret_value())
    yield client
    await client.aclose()


@pytest.fixture
async def sessions(
    engine: AsyncEngine, redis: Redis
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The application's sessionmaker: a commit with new events wakes the sequencers."""
    signal = CommitSignal(redis, wake_channel(engine))
    yield outbox_sessionmaker(engine, signal)
    await signal.aclose()


async def _record(session: AsyncSession, entity_type: str = "contacts") -> int:
    entity_id = uuid.uuid4()
    await record_event(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        action="created",
        actor_id=None,
        version=1,
        changes={"name": {"before": None, "after": "x"}},
    )
    got = await session.execute(
        text("SELECT id FROM entity_events WHERE entity_id = :e"), {"e": entity_id}
    )
    return int(got.scalar_one())


async def _offset_of(sessions: async_sessionmaker[AsyncSession], event_id: int) -> int | None:
    async with sessions() as s:
        row = await s.execute(
            text('SELECT "offset" FROM entity_events WHERE id = :i'), {"i": event_id}
        )
        value = row.scalar_one_or_none()
        return None if value is None else int(value)


async def test_interleaved_commits_get_offsets_in_commit_order(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    # A inserts first (smaller id) but commits after B: B is visible first, so B must get
    # the smaller offset, and A's offset must exceed every offset a reader already saw.
    async with sessions() as a, sessions() as b:
        await a.begin()
        a_id = await _record(a)
        await b.begin()
        b_id = await _record(b)
        assert a_id < b_id
        await b.commit()
        assert await sequence_pending(engine) >= 1
        b_offset = await _offset_of(sessions, b_id)
        assert b_offset is not None
        assert await _offset_of(sessions, a_id) is None  # not committed: invisible
        await a.commit()
    await sequence_pending(engine)
    a_offset = await _offset_of(sessions, a_id)
    assert a_offset is not None
    assert a_offset > b_offset


async def test_rolled_back_events_never_get_an_offset(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with sessions() as s:
        await s.begin()
        event_id = await _record(s)
        await s.rollback()
    await sequence_pending(engine)
    async with sessions() as s:
        found = await s.execute(
            text("SELECT count(*) FROM entity_events WHERE id = :i"), {"i": event_id}
        )
        assert found.scalar_one() == 0


async def _writer(sessions: async_sessionmaker[AsyncSession], n: int, ids: list[int]) -> None:
    rnd = random.Random(n)  # noqa: S311 (timing jitter, not security)
    for _ in range(n):
        async with sessions() as s, s.begin():
            ids.append(await _record(s))
            await asyncio.sleep(rnd.uniform(0, 0.02))  # commit late, out of id order


async def _reader(
    sessions: async_sessionmaker[AsyncSession], seen: list[int], done: asyncio.Event
) -> None:
    last = 0
    while True:
        finished = done.is_set()
        async with sessions() as s:
            rows = await s.execute(
                text('SELECT "offset" FROM entity_events WHERE "offset" > :a ORDER BY "offset"'),
                {"a": last},
            )
            got = [int(r[0]) for r in rows]
        seen.extend(got)
        last = got[-1] if got else last
        if finished and not got:
            return
        await asyncio.sleep(0.003)


async def test_concurrent_writers_and_two_sequencers_lose_nothing(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, redis: Redis
) -> None:
    """A reader that only ever asks for offsets above the last one it saw still sees every
    event: no event committed later ever got a smaller offset. Two sequencers run at once."""
    async with sessions() as s, s.begin():
        start = (
            await s.execute(text('SELECT coalesce(max("offset"), 0) FROM entity_events'))
        ).scalar_one()
    first, second = (Sequencer(engine, redis=redis, poll_seconds=0.5) for _ in range(2))
    runners = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    ids: list[int] = []
    seen: list[int] = []
    done = asyncio.Event()
    reader = asyncio.create_task(_reader(sessions, seen, done))
    await asyncio.gather(*(_writer(sessions, 40, ids) for _ in range(8)))
    async with asyncio.timeout(10):
        while True:  # wait until everything written is sequenced
            async with sessions() as s:
                pending = await s.execute(
                    text('SELECT count(*) FROM entity_events WHERE "offset" IS NULL')
                )
                if pending.scalar_one() == 0:
                    break
            await asyncio.sleep(0.01)
    done.set()
    await reader
    for task in runners:
        task.cancel()
    await asyncio.gather(*runners, return_exceptions=True)

    new = [o for o in seen if o > start]
    assert len(ids) == 320
    assert new == sorted(new)
    assert new == list(range(start + 1, start + 321))  # every event, once, no gaps
    stats = [first.stats, second.stats]
    assert sum(st.total for st in stats) == 320
    p99 = max(st.percentile(99) for st in stats if st.total)
    # write -> offset includes the writer's own deliberate 0-20 ms before commit
    assert p99 < 250, p99


async def test_write_to_offset_delay_stays_in_milliseconds(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, redis: Redis
) -> None:
    """At ~100 writes/s the sequencer, woken by the writers' commits, numbers each event within milliseconds."""
    sequencer = Sequencer(engine, redis=redis, poll_seconds=5.0)  # poll can't help
    runner = asyncio.create_task(sequencer.run())
    await asyncio.sleep(0.3)  # listening
    for _ in range(200):
        async with sessions() as s, s.begin():
            await _record(s)
        await asyncio.sleep(0.01)
    for _ in range(500):  # up to 5 s for the last ones
        if sequencer.stats.total >= 200:
            break
        await asyncio.sleep(0.01)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert sequencer.stats.total == 200
    p50, p99 = sequencer.stats.percentile(50), sequencer.stats.percentile(99)
    print(f"write->offset over 200 writes: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    assert p50 < 25, sequencer.stats.summary()
    assert p99 < 150, sequencer.stats.summary()


async def test_only_a_committed_transaction_with_events_wakes_the_sequencer(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, redis: Redis
) -> None:
    """The wake-up goes out after the commit of a transaction that recorded events; not
    for a rollback, nor for a transaction without events."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(wake_channel(engine))  # this test's own database

    async def woken() -> bool:
        got = await pubsub.get_message(timeout=0.5)
        while await pubsub.get_message(timeout=0.05) is not None:
            pass  # one poke may coalesce with another writer's; drain them
        return got is not None

    try:
        assert not await woken()  # subscribed, nothing yet
        async with sessions() as s, s.begin():
            await _record(s)
            assert not await woken()  # not before the commit
        assert await woken()
        async with sessions() as s:
            await s.begin()
            await _record(s)
            await s.rollback()
        assert not await woken()
        async with sessions() as s, s.begin():
            await s.execute(text("SELECT 1"))
        assert not await woken()
    finally:
        await pubsub.aclose()


async def _next_message(pubsub: PubSub, seconds: float) -> dict[str, Any] | None:
    """The next published message within ``seconds``. A read that meets the subscribe
    confirmation returns None at once (redis-py), so one ``get_message`` is not a wait."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        message = await pubsub.get_message(timeout=left)
        if message is not None:
            return message
    return None


async def test_the_wake_up_names_the_events_of_each_request(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, redis: Redis
) -> None:
    """A commit under a request id names its events (record and version) in the wake-up
    message, so the worker can tell which request each event it publishes came from."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(wake_channel(engine))
    token = REQUEST_ID.set("req-trace-1")
    try:
        async with sessions() as s, s.begin():
            event_id = await _record(s)
            entity = (
                await s.execute(
                    text("SELECT entity_id FROM entity_events WHERE id = :i"), {"i": event_id}
                )
            ).scalar_one()
        message = await _next_message(pubsub, seconds=5.0)
    finally:
        REQUEST_ID.reset(token)
        await pubsub.aclose()
    assert message is not None
    traced = decode_wake(message["data"])
    assert traced == {"req-trace-1": [event_key(entity, 1)]}
    trace = RequestTrace(capacity=2)
    trace.heard(traced)
    assert trace.request_ids([event_key(entity, 1), "other:1"]) == traced
    trace.heard({"req-2": ["a:1", "b:1"]})  # over capacity: the oldest is forgotten
    assert trace.request_ids([event_key(entity, 1)]) == {}
    assert decode_wake(b"") == {}
    assert decode_wake(b"not json") == {}


async def test_a_pass_waits_its_turn_and_announces_its_highest_offset(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """While another pass holds the sequencer's lock, a pass numbers nothing; once free,
    it numbers everything, tells its own process (``on_sequenced``) and the other processes
    (NOTIFY) the highest offset it gave."""
    await sequence_pending(engine)  # what earlier tests left unnumbered
    dsn = asyncpg_dsn(engine.url.render_as_string(hide_password=False))
    listener = await asyncpg.connect(dsn)
    heard: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(SEQUENCED_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    try:
        async with sessions() as s, s.begin():
            ids = [await _record(s) for _ in range(3)]
        async with engine.connect() as holder:  # a pass in progress elsewhere
            await holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK})
            assert await sequence_pending(engine) == 0
            assert await _offset_of(sessions, ids[0]) is None
            await holder.rollback()
        told: list[list[Unpublished]] = []
        sequencer = Sequencer(engine, redis=None, on_sequenced=told.append)
        try:
            assert await sequencer.drain() == 3
        finally:
            await sequencer.close()
        offsets = [await _offset_of(sessions, i) for i in ids]
        assert None not in offsets
        assert offsets == sorted(offsets)
        assert [[event.offset for event in events] for events in told] == [offsets]
        handed = told[0][0]  # what the relay publishes, without reading the table
        assert (handed.entity_type, handed.action, handed.fields) == (
            "contacts",
            "created",
            ["name"],
        )
        assert await asyncio.wait_for(heard.get(), 5) == str(offsets[-1])
    finally:
        await listener.close()


async def _alembic(url: str, action: str, revision: str) -> None:
    code = (
        "from alembic import command; from switchboard_api.cli import alembic_config; "
        f"command.{action}(alembic_config(), {revision!r})"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env={**os.environ, "API_DATABASE_URL": url},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]


async def test_the_pass_function_migrates_down_to_0007_and_back() -> None:
    """0008 replaces the pass function with one returning each event's publishable fields;
    its downgrade restores 0007's (offset and delay only)."""
    base = get_settings().database_url.get_secret_value()
    url = await create_scratch_database(base)
    try:

        async def result_columns() -> list[str]:
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                row = await conn.fetchval(
                    "SELECT proargnames FROM pg_proc WHERE proname = 'entity_events_sequence'"
                )
                return list(row)[1:]  # after the batch argument
            finally:
                await conn.close()

        assert await result_columns() == [
            "seq",
            "delay_ms",
            "entity_type",
            "entity_id",
            "version",
            "action",
            "actor_id",
            "fields",
        ]
        await _alembic(url, "downgrade", "0007_sequence_function")
        assert await result_columns() == ["seq", "delay_ms"]
        await _alembic(url, "upgrade", "heads")
        assert len(await result_columns()) == 8
    finally:
        await drop_scratch_database(base, url)
