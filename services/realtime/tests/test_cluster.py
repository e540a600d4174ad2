"""Two nodes sharing Redis: cross-node delivery, cluster-wide presence, dead-node cleanup,
on one Redis and on a Redis Cluster (sharded pub/sub, hash-tagged keys)."""

from __future__ import annotations

import asyncio
import json
import time

import pusher
import pytest

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import StartNode


@pytest.fixture(params=["suite's Redis", "Redis Cluster"])
def redis_url(request: pytest.FixtureRequest, redis_url: str) -> str:
    """Every test here runs on the suite's Redis (one server, or the stack's cluster under
    ``make test REDIS=cluster``) and on a three-master Redis Cluster of its own."""
    if request.param == "Redis Cluster":
        return str(request.getfixturevalue("redis_cluster_url"))
    return redis_url


async def test_publish_on_one_node_reaches_the_other(start: StartNode) -> None:
    one, two = await start(), await start()
    here = await PusherSocket.connect(one.ws_url())
    there = await PusherSocket.connect(two.ws_url())
    await here.subscribe("private-x")
    await there.subscribe("private-x")
    await asyncio.to_thread(one.pusher().trigger, "private-x", "ping", {"n": 1})
    for client in (here, there):
        assert decode_data(await client.expect("ping")) == {"n": 1}
    await asyncio.to_thread(two.pusher().trigger, "private-x", "ping", {"n": 2})
    for client in (here, there):
        assert decode_data(await client.expect("ping")) == {"n": 2}
    # Client events cross nodes too, and are still not echoed.
    await here.send("client-hello", {"from": "one"}, channel="private-x")
    assert decode_data(await there.expect("client-hello")) == {"from": "one"}
    await here.assert_nothing(0.3)
    # Occupancy is cluster-wide.
    info = await asyncio.to_thread(one.pusher().channel_info, "private-x", ["subscription_count"])
    assert info == {"occupied": True, "subscription_count": 2}
    await asyncio.gather(here.close(), there.close())


async def test_presence_is_cluster_wide(start: StartNode) -> None:
    one, two = await start(), await start()
    alice = await PusherSocket.connect(one.ws_url())
    await alice.subscribe("presence-doc.9", user_id="alice")
    bob = await PusherSocket.connect(two.ws_url())
    frame = await bob.subscribe("presence-doc.9", user_id="bob", user_info={"n": "B"})
    assert sorted(decode_data(frame)["presence"]["ids"]) == ["alice", "bob"]
    added = await alice.expect("pusher_internal:member_added")
    assert decode_data(added) == {"user_id": "bob", "user_info": {"n": "B"}}
    # Bob's second connection, on the other node: no member_added.
    bob2 = await PusherSocket.connect(one.ws_url())
    await bob2.subscribe("presence-doc.9", user_id="bob")
    await alice.assert_nothing(0.4)
    for node in (one, two):
        users = await asyncio.to_thread(node.pusher().users_info, "presence-doc.9")
        assert sorted(u["id"] for u in users["users"]) == ["alice", "bob"]
    await bob.close()
    await alice.assert_nothing(0.4)  # bob still has bob2
    await bob2.close()
    removed = await alice.expect("pusher_internal:member_removed")
    assert decode_data(removed) == {"user_id": "bob"}
    await alice.close()


async def test_killed_node_members_disappear_within_ttl(start: StartNode) -> None:
    ttl = 2.0
    survivor, doomed = await start(presence_ttl_seconds=ttl), await start(presence_ttl_seconds=ttl)
    watcher = await PusherSocket.connect(survivor.ws_url())
    await watcher.subscribe("presence-call.1", user_id="watcher")
    ghost = await PusherSocket.connect(doomed.ws_url())
    await ghost.subscribe("presence-call.1", user_id="ghost")
    await watcher.expect("pusher_internal:member_added")
    await ghost.subscribe("private-counted")

    doomed.process.kill()  # SIGKILL: no goodbye, no cleanup
    killed_at = time.monotonic()
    await doomed.process.wait()

    lib = survivor.pusher()
    while True:
        users = await asyncio.to_thread(lib.users_info, "presence-call.1")
        if [u["id"] for u in users["users"]] == ["watcher"]:
            break
        assert time.monotonic() - killed_at < ttl + 0.5, "ghost still listed after the TTL"
        await asyncio.sleep(0.1)
    # The reaper announces the departure to the survivors (within a heartbeat after the TTL).
    removed = await watcher.expect("pusher_internal:member_removed", wait=ttl + 2)
    assert decode_data(removed) == {"user_id": "ghost"}
    assert time.monotonic() - killed_at < 2 * ttl + 1
    info = await asyncio.to_thread(lib.channel_info, "private-counted")
    assert info == {"occupied": False}
    await watcher.close()


async def test_apps_are_isolated(start: StartNode) -> None:
    apps = [
        {"id": "1", "key": "test-key", "secret": "test-secret"},
        {"id": "2", "key": "other-key", "secret": "other-secret"},
    ]
    node = await start(apps_json=json.dumps(apps))
    mine = await PusherSocket.connect(node.ws_url())
    theirs = await PusherSocket.connect(node.ws_url(key="other-key"))
    await mine.subscribe("news")
    await theirs.subscribe("news")
    await asyncio.to_thread(node.pusher().trigger, "news", "hello", {"app": 1})
    assert decode_data(await mine.expect("hello")) == {"app": 1}
    await theirs.assert_nothing(0.3)
    # App 2's secret does not sign for app 1, and app 2's channels are its own.
    other = pusher.Pusher(
        app_id="2",
        key="other-key",
        secret="other-secret",
        host="127.0.0.1",
        port=node.port,
        ssl=False,
    )
    assert "news" in (await asyncio.to_thread(other.channels_info))["channels"]
    await asyncio.to_thread(other.trigger, "news", "hello", {"app": 2})
    assert decode_data(await theirs.expect("hello")) == {"app": 2}
    await mine.assert_nothing(0.3)
    await asyncio.gather(mine.close(), theirs.close())


async def test_socket_id_exclusion_works_across_nodes(start: StartNode) -> None:
    one, two = await start(), await start()
    actor = await PusherSocket.connect(two.ws_url())
    other = await PusherSocket.connect(two.ws_url())
    for client in (actor, other):
        await client.subscribe("private-deal.7")
    await asyncio.to_thread(
        one.pusher().trigger, "private-deal.7", "deal.won", {"by": "actor"}, actor.socket_id
    )
    assert decode_data(await other.expect("deal.won")) == {"by": "actor"}
    await actor.assert_nothing(0.3)
    await asyncio.gather(actor.close(), other.close())


async def test_sigterm_announces_the_nodes_members_to_the_others(start: StartNode) -> None:
    staying, leaving = await start(), await start()
    watcher = await PusherSocket.connect(staying.ws_url())
    await watcher.subscribe("presence-room.77", user_id="watcher")
    guest = await PusherSocket.connect(leaving.ws_url())
    await guest.subscribe("presence-room.77", user_id="guest")
    await watcher.expect("pusher_internal:member_added")
    await leaving.stop()  # SIGTERM
    removed = await watcher.expect("pusher_internal:member_removed", wait=3)
    assert decode_data(removed) == {"user_id": "guest"}
    users = await asyncio.to_thread(staying.pusher().users_info, "presence-room.77")
    assert users == {"users": [{"id": "watcher"}]}
    await watcher.close()
