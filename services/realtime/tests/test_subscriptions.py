"""Subscribing to public, private and presence channels on one node; presence member events."""

from __future__ import annotations

import asyncio
import json

from switchboard_shared.pusher import channel_auth

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import NodeProcess, StartNode


async def test_public_channel_ignores_auth(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    frame = await client.subscribe("orders", auth="")
    assert frame == {
        "event": "pusher_internal:subscription_succeeded",
        "channel": "orders",
        "data": "{}",
    }
    await client.close()


async def test_private_channel_needs_a_valid_signature(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    ok = await client.subscribe("private-contact.1")
    assert ok["event"] == "pusher_internal:subscription_succeeded"
    for bad in (
        {"secret": "wrong-secret"},
        {"auth": "test-key:" + "0" * 64},
        {"auth": ""},
        {"auth": "other-key:abc"},
    ):
        frame = await client.subscribe("private-contact.2", **bad)  # type: ignore[arg-type]
        assert frame["event"] == "pusher:subscription_error"
        data = decode_data(frame)
        assert data["type"] == "AuthError"
        assert data["status"] == 401
    # The socket stays usable after a refusal.
    await client.send("pusher:ping", {})
    assert (await client.recv())["event"] == "pusher:pong"
    await client.close()


async def test_signature_is_bound_to_the_socket(node: NodeProcess) -> None:
    one = await PusherSocket.connect(node.ws_url())
    two = await PusherSocket.connect(node.ws_url())
    stolen = channel_auth("test-key", "test-secret", one.socket_id, "private-x")
    frame = await two.subscribe("private-x", auth=stolen)
    assert frame["event"] == "pusher:subscription_error"
    await asyncio.gather(one.close(), two.close())


async def test_invalid_and_too_long_channel_names(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    frame = await client.subscribe("bad name!")
    assert frame["event"] == "pusher:subscription_error"
    long_name = "a" * 165
    frame = await client.subscribe(long_name)
    assert decode_data(frame)["type"] == "LimitReached"
    assert (await client.subscribe("a" * 164))["event"].endswith("subscription_succeeded")
    await client.close()


async def test_channels_per_connection_limit(start: StartNode) -> None:
    node = await start(max_channels_per_connection=2)
    client = await PusherSocket.connect(node.ws_url())
    assert (await client.subscribe("a"))["event"].endswith("succeeded")
    assert (await client.subscribe("b"))["event"].endswith("succeeded")
    frame = await client.subscribe("c")
    assert decode_data(frame)["type"] == "LimitReached"
    await client.send("pusher:unsubscribe", {"channel": "a"})
    assert (await client.subscribe("c"))["event"].endswith("succeeded")
    await client.close()


async def test_presence_subscription_lists_members(node: NodeProcess) -> None:
    alice = await PusherSocket.connect(node.ws_url())
    frame = await alice.subscribe("presence-room.1", user_id=7, user_info={"name": "Alice"})
    assert decode_data(frame) == {
        "presence": {"ids": ["7"], "hash": {"7": {"name": "Alice"}}, "count": 1}
    }
    bob = await PusherSocket.connect(node.ws_url())
    frame = await bob.subscribe("presence-room.1", user_id="8", user_info={"name": "Bob"})
    presence = decode_data(frame)["presence"]
    assert sorted(presence["ids"]) == ["7", "8"]
    assert presence["count"] == 2
    assert presence["hash"]["8"] == {"name": "Bob"}
    added = await alice.expect("pusher_internal:member_added", "presence-room.1")
    assert decode_data(added) == {"user_id": "8", "user_info": {"name": "Bob"}}
    await bob.assert_nothing(event="pusher_internal:member_added")  # not to the joiner
    await bob.close()
    removed = await alice.expect("pusher_internal:member_removed", "presence-room.1")
    assert decode_data(removed) == {"user_id": "8"}
    await alice.close()


async def test_presence_events_only_on_first_and_last_connection(node: NodeProcess) -> None:
    watcher = await PusherSocket.connect(node.ws_url())
    await watcher.subscribe("presence-room.2", user_id="w")
    tab1 = await PusherSocket.connect(node.ws_url())
    tab2 = await PusherSocket.connect(node.ws_url())
    await tab1.subscribe("presence-room.2", user_id="u")
    await watcher.expect("pusher_internal:member_added")
    frame = await tab2.subscribe("presence-room.2", user_id="u")
    assert decode_data(frame)["presence"]["count"] == 2
    await watcher.assert_nothing(0.4)  # second connection of u: no member_added
    await tab1.send("pusher:unsubscribe", {"channel": "presence-room.2"})
    await watcher.assert_nothing(0.4)  # u still has tab2
    await tab2.close()
    removed = await watcher.expect("pusher_internal:member_removed")
    assert decode_data(removed) == {"user_id": "u"}
    await asyncio.gather(watcher.close(), tab1.close())


async def test_presence_needs_channel_data(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    frame = await client.subscribe("presence-room.3")
    assert frame["event"] == "pusher:subscription_error"
    # Signed, but the signed channel_data has no user_id.
    data = json.dumps({"user_info": {}})
    auth = channel_auth("test-key", "test-secret", client.socket_id, "presence-room.3", data)
    await client.send(
        "pusher:subscribe", {"channel": "presence-room.3", "auth": auth, "channel_data": data}
    )
    frame = await client.expect("pusher:subscription_error")
    assert decode_data(frame)["status"] == 400
    await client.close()


async def test_presence_member_limit(start: StartNode) -> None:
    node = await start(max_presence_members=2)
    clients = [await PusherSocket.connect(node.ws_url()) for _ in range(3)]
    for i, client in enumerate(clients[:2]):
        assert (await client.subscribe("presence-small", user_id=i))["event"].endswith("succeeded")
    frame = await clients[2].subscribe("presence-small", user_id=99)
    assert decode_data(frame)["type"] == "LimitReached"
    # Another connection of a user already present still fits.
    frame = await clients[2].subscribe("presence-small", user_id=0)
    assert frame["event"].endswith("succeeded")
    await asyncio.gather(*(c.close() for c in clients))


async def test_repeated_subscribe_confirms_again_without_duplicates(node: NodeProcess) -> None:
    watcher = await PusherSocket.connect(node.ws_url())
    await watcher.subscribe("presence-room.4", user_id="w")
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("presence-room.4", user_id="c")
    await watcher.expect("pusher_internal:member_added")
    frame = await client.subscribe("presence-room.4", user_id="c")
    assert decode_data(frame)["presence"]["count"] == 2
    await watcher.assert_nothing(0.3)
    await asyncio.gather(watcher.close(), client.close())


async def test_unsubscribe_stops_delivery(node: NodeProcess) -> None:
    sender = await PusherSocket.connect(node.ws_url())
    receiver = await PusherSocket.connect(node.ws_url())
    await sender.subscribe("private-chat")
    await receiver.subscribe("private-chat")
    await sender.send("client-hi", {"n": 1}, channel="private-chat")
    assert decode_data(await receiver.expect("client-hi")) == {"n": 1}
    await receiver.send("pusher:unsubscribe", {"channel": "private-chat"})
    await asyncio.sleep(0.1)
    await sender.send("client-hi", {"n": 2}, channel="private-chat")
    await receiver.assert_nothing(0.3)
    await asyncio.gather(sender.close(), receiver.close())


async def test_many_concurrent_subscriptions_all_succeed(node: NodeProcess) -> None:
    # More simultaneous Redis round trips than the node's pool has connections.
    clients = await asyncio.gather(*(PusherSocket.connect(node.ws_url()) for _ in range(150)))
    frames = await asyncio.gather(
        *(c.subscribe("presence-crowd", user_id=str(i % 80)) for i, c in enumerate(clients))
    )  # 80 users (the member limit is 100), most with two connections
    assert all(f["event"] == "pusher_internal:subscription_succeeded" for f in frames)
    counts = [decode_data(f)["presence"]["count"] for f in frames]
    assert max(counts) == 80
    await asyncio.gather(*(c.close() for c in clients))


async def test_no_channel_event_before_subscription_succeeded(node: NodeProcess) -> None:
    # Clients replay what they missed from subscription_succeeded on, so an event must never
    # overtake it; events published meanwhile are held and follow it, none is lost.
    lib = node.pusher()
    stop = asyncio.Event()
    feeder = await PusherSocket.connect(node.ws_url())
    await feeder.subscribe("presence-race", user_id="feeder")

    async def stream() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await asyncio.to_thread(lib.trigger, "presence-race", "tick", {"n": n})

    streaming = asyncio.create_task(stream())
    try:
        for i in range(15):
            client = await PusherSocket.connect(node.ws_url())
            await client.send(
                "pusher:subscribe",
                {
                    "channel": "presence-race",
                    "auth": channel_auth(
                        "test-key",
                        "test-secret",
                        client.socket_id,
                        "presence-race",
                        data := json.dumps({"user_id": f"u{i}"}),
                    ),
                    "channel_data": data,
                },
            )
            first = await client.recv()
            while first.get("channel") != "presence-race":
                first = await client.recv()
            assert first["event"] == "pusher_internal:subscription_succeeded", first
            ticks = [decode_data(await client.expect("tick"))["n"] for _ in range(3)]
            assert ticks == sorted(ticks)
            assert len(set(ticks)) == 3
            await client.close()
    finally:
        stop.set()
        await streaming
        await feeder.close()
