"""What a hostile client cannot make a node do: public channels, subscribe floods, and
holding many connections from one address."""

from __future__ import annotations

import asyncio

from switchboard_realtime.addresses import address_group
from switchboard_realtime.settings import RealtimeSettings

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import StartNode, close_code


def test_public_channels_are_off_by_default() -> None:
    assert RealtimeSettings().public_channels_enabled is False


async def test_public_channel_refused_unless_enabled(start: StartNode) -> None:
    node = await start(public_channels_enabled=False)
    sock = await PusherSocket.connect(node.ws_url())
    refused = await sock.subscribe("news")
    assert refused["event"] == "pusher:subscription_error"
    assert decode_data(refused)["status"] == 403
    # Signed channels still work, and the socket stays open.
    ok = await sock.subscribe("private-x")
    assert ok["event"] == "pusher_internal:subscription_succeeded"
    await sock.close()


async def test_subscribe_flood_is_cut(start: StartNode) -> None:
    node = await start(subscribes_per_second=5, subscribe_burst=10)
    calm = await PusherSocket.connect(node.ws_url())
    flood = await PusherSocket.connect(node.ws_url())
    for n in range(40):
        await flood.send("pusher:subscribe", {"channel": f"c{n}"})
    assert await close_code(flood) == 4301
    # A connection within the limit is unaffected (its own budget).
    for n in range(5):
        ok = await calm.subscribe(f"calm{n}")
        assert ok["event"] == "pusher_internal:subscription_succeeded"
    # Unsubscribes count too: they are Redis work as well.
    churn = await PusherSocket.connect(node.ws_url())
    for _ in range(40):
        await churn.send("pusher:unsubscribe", {"channel": "calm0"})
    assert await close_code(churn) == 4301
    await calm.close()


async def test_connections_per_address_are_capped(start: StartNode) -> None:
    node = await start(max_connections_per_address=2)
    first = await PusherSocket.connect(node.ws_url())
    second = await PusherSocket.connect(node.ws_url())
    third = await PusherSocket.connect_refused(node.ws_url())
    assert third == 4100
    # Behind the (trusted, local) proxy each client counts by its X-Real-IP.
    proxied = [
        await PusherSocket.connect(node.ws_url(), additional_headers={"X-Real-IP": "203.0.113.7"})
        for _ in range(2)
    ]
    refused = await PusherSocket.connect_refused(
        node.ws_url(), additional_headers={"X-Real-IP": "203.0.113.7"}
    )
    assert refused == 4100
    # A freed slot can be taken again.
    await first.close()
    await asyncio.sleep(0.2)
    again = await PusherSocket.connect(node.ws_url())
    for sock in (second, again, *proxied):
        await sock.close()


async def test_untrusted_peer_cannot_pick_its_address(start: StartNode) -> None:
    node = await start(max_connections_per_address=1, trusted_proxies="192.0.2.1")
    held = await PusherSocket.connect(node.ws_url())
    spoofed = await PusherSocket.connect_refused(
        node.ws_url(), additional_headers={"X-Real-IP": "198.51.100.9"}
    )
    assert spoofed == 4100
    await held.close()


def test_ipv6_addresses_count_per_64() -> None:
    assert address_group("2001:db8:1:2:aaaa::1") == address_group("2001:db8:1:2:bbbb::9")
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")
    assert address_group("::ffff:192.0.2.5") == "192.0.2.5"
    assert address_group("192.0.2.5") == "192.0.2.5"
