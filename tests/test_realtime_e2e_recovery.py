"""No missed updates: processes are killed with SIGKILL during a stream of 1,000 API writes,
and every subscribed pusher-js client ends up having applied every event exactly once.

Each test runs its own cluster (tests/realtime_support/cluster.py): a scratch database,
an API, worker(s) with the sequencer and the outbox relay, and realtime nodes sharing a
Redis prefix, all real subprocesses on free ports, so the stack other tests use is never
touched. The clients follow the recovery recipe the web client uses (tests/js/client.mjs):
apply live ``entity.changed`` events, and on every (re)subscription replay
``GET /api/v1/events?after=<highest applied offset>``, deduplicating by offset.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from realtime_support.cluster import APP_KEY, Cluster, Node, cluster
from realtime_support.jsclient import JsClient, ensure_node_modules
from realtime_support.people import Api, Person, harness_config, sign_in_person
from realtime_support.stream import Applied, WriteStream, wait_applied

WRITES = 1000
KILL_AFTER = 300


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


@pytest.fixture
async def isolated() -> AsyncIterator[Cluster]:
    async with cluster() as c:
        await c.start_api(workers=2)
        yield c


@pytest.fixture
async def clients() -> AsyncIterator[list[JsClient]]:
    started: list[JsClient] = []
    yield started
    await asyncio.gather(*(client.close() for client in started))


async def people(c: Cluster, count: int) -> list[Person]:
    return [await sign_in_person(c.api_url, c.users, c.settings, "agent") for _ in range(count)]


async def subscriber(
    c: Cluster, name: str, person: Person, node: Node, *, cookie: bool = False
) -> JsClient:
    """A pusher-js client on ``node`` applying contacts events from ``private-contacts``."""
    config = harness_config(
        c.api_url,
        APP_KEY,
        person,
        ["private-contacts"],
        cookie_session=cookie,
        ws=("127.0.0.1", node.port),
        replay_after=0,  # a fresh database: the feed is empty when the client loads
    )
    client = await JsClient.start(name, config)
    await client.subscribed("private-contacts")
    await client.wait_for(lambda m: m["type"] == "replayed", 10, "the initial replay")
    return client


async def expected_offsets(api: Api, total: int) -> set[int]:
    """Every contacts event in the feed once all ``total`` writes are sequenced."""

    async def contacts() -> set[int]:
        return {e["offset"] for e in await api.feed_all() if e["entity_type"] == "contacts"}

    for _ in range(200):
        offsets = await contacts()
        if len(offsets) >= total:
            assert len(offsets) == total, f"{len(offsets)} contacts events for {total} writes"
            return offsets
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(await contacts())} of {total} writes reached the feed")


def check_exactly_once(tally: Applied, expected: set[int]) -> None:
    assert len(tally.offsets) == len(set(tally.offsets)), f"applied twice: {tally.summary()}"
    assert set(tally.offsets) == expected, f"{tally.summary()}: applied offsets not in the feed"


async def test_realtime_node_killed_mid_stream(isolated: Cluster, clients: list[JsClient]) -> None:
    """Node A (the relay's target, 3 clients) is killed -9 after 300 of 1,000 writes and
    restarted on its port a second later; node B (1 client) stays up. A's clients reconnect
    and replay; B's client never disconnects and must still get everything live."""
    c = isolated
    a, b = await c.start_node(), await c.start_node()
    worker = await c.start_worker(relay_to=a)
    await c.wait_relay_active(worker)
    writer, p1, p2, p3 = await people(c, 4)
    clients += [
        await subscriber(c, "a1-token", p1, a),
        await subscriber(c, "a2-cookie", p2, a, cookie=True),
        await subscriber(c, "a3-same-user-as-a1", p1, a),
        await subscriber(c, "b1-token", p3, b),
    ]

    async with Api(c.api_url, writer) as api:
        stream = WriteStream(api, WRITES)
        writing = asyncio.create_task(stream.run())
        await stream.reached(KILL_AFTER).wait()
        await a.proc.kill()
        killed_at = stream.done
        await asyncio.sleep(1.0)
        a = await c.restart_node(a)
        seconds = await writing
        expected = await expected_offsets(api, WRITES)

    tallies = [await wait_applied(client, expected, 60) for client in clients]
    await asyncio.sleep(0.5)  # anything late would show up as a duplicate, never re-applied
    tallies = [Applied.of(client) for client in clients]
    print(f"\n{WRITES} writes in {seconds:.1f} s; node A killed after write {killed_at}")
    for tally in tallies:
        print("  " + tally.summary())
        check_exactly_once(tally, expected)
    on_a, on_b = tallies[:3], tallies[3]
    assert all(t.reconnects >= 1 for t in on_a), [t.summary() for t in on_a]
    assert on_b.reconnects == 0, on_b.summary()
    # B's client only had the live path: the relay's at-least-once delivery must cover it.
    assert on_b.live == WRITES, on_b.summary()


async def test_relay_killed_mid_stream(isolated: Cluster, clients: list[JsClient]) -> None:
    """The active relay's worker is killed -9 after 300 of 1,000 writes; the standby
    worker takes the relay lock and resumes from the oldest unacknowledged offset. No
    client disconnects, so every event must arrive live, duplicates dropped by offset."""
    c = isolated
    node = await c.start_node()
    first = await c.start_worker(relay_to=node)
    await c.wait_relay_active(first)
    standby = await c.start_worker(relay_to=node)
    writer, p1, p2 = await people(c, 3)
    clients += [
        await subscriber(c, "token", p1, node),
        await subscriber(c, "cookie", p2, node, cookie=True),
    ]
    assert "relay active" not in standby.log(tail=1 << 20)

    async with Api(c.api_url, writer) as api:
        stream = WriteStream(api, WRITES)
        writing = asyncio.create_task(stream.run())
        await stream.reached(KILL_AFTER).wait()
        await first.kill()
        killed_at = stream.done
        await c.wait_relay_active(standby)
        seconds = await writing
        expected = await expected_offsets(api, WRITES)

    tallies = [await wait_applied(client, expected, 60) for client in clients]
    await asyncio.sleep(0.5)
    tallies = [Applied.of(client) for client in clients]
    print(f"\n{WRITES} writes in {seconds:.1f} s; active relay killed after write {killed_at}")
    for tally in tallies:
        print("  " + tally.summary())
        check_exactly_once(tally, expected)
        assert tally.reconnects == 0, tally.summary()
        assert tally.live == WRITES, tally.summary()
