"""Client events: where they are allowed, who receives them, and the rate limit."""

from __future__ import annotations

import asyncio

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import NodeProcess, StartNode


async def _pair(node: NodeProcess, channel: str, **presence: object) -> list[PusherSocket]:
    sockets = [await PusherSocket.connect(node.ws_url()) for _ in range(2)]
    for i, s in enumerate(sockets):
        kwargs = {"user_id": f"u{i}", "user_info": {"i": i}} if presence else {}
        frame = await s.subscribe(channel, **kwargs)  # type: ignore[arg-type]
        assert frame["event"].endswith("succeeded")
    return sockets


async def test_client_event_reaches_others_not_the_sender(node: NodeProcess) -> None:
    a, b = await _pair(node, "private-typing")
    await a.send("client-typing", {"who": "a"}, channel="private-typing")
    frame = await b.expect("client-typing")
    assert frame["channel"] == "private-typing"
    assert decode_data(frame) == {"who": "a"}
    assert "user_id" not in frame
    await a.assert_nothing(0.3)
    await asyncio.gather(a.close(), b.close())


async def test_presence_client_event_carries_user_id(node: NodeProcess) -> None:
    a, b = await _pair(node, "presence-doc.1", presence=True)
    await a.expect("pusher_internal:member_added")  # b joined after a
    await a.send("client-cursor", {"x": 1}, channel="presence-doc.1")
    frame = await b.expect("client-cursor")
    assert frame["user_id"] == "u0"
    await asyncio.gather(a.close(), b.close())


async def test_client_events_refused_on_public_and_unsubscribed(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("public-news")
    await client.send("client-x", {}, channel="public-news")
    assert (await client.expect("pusher:error"))["data"]["message"]
    await client.send("client-x", {}, channel="private-not-mine")
    assert "not subscribed" in (await client.expect("pusher:error"))["data"]["message"]
    await client.close()


async def test_client_event_payload_limit(node: NodeProcess) -> None:
    a, b = await _pair(node, "private-big")
    await a.send("client-big", {"blob": "x" * 11_000}, channel="private-big")
    assert "larger" in (await a.expect("pusher:error"))["data"]["message"]
    await b.assert_nothing(0.3)
    await asyncio.gather(a.close(), b.close())


async def test_client_event_rate_limit(start: StartNode) -> None:
    node = await start(client_events_per_second=5)
    a, b = await _pair(node, "private-spam")
    for i in range(15):
        await a.send("client-n", {"i": i}, channel="private-spam")
    received = [decode_data(await b.expect("client-n"))["i"] for _ in range(5)]
    assert received == [0, 1, 2, 3, 4]  # the burst allowance, in order
    # A token may refill while a loaded machine processes the burst: allow one or two more.
    while True:
        try:
            received.append(decode_data(await b.expect("client-n", wait=0.5))["i"])
        except TimeoutError:
            break
    assert len(received) <= 7
    errors = [await a.expect("pusher:error") for _ in range(15 - len(received))]
    assert {e["data"]["code"] for e in errors} == {4301}
    # The socket stays open and the bucket refills.
    await asyncio.sleep(0.5)
    await a.send("client-n", {"i": 100}, channel="private-spam")
    assert decode_data(await b.expect("client-n"))["i"] == 100
    await asyncio.gather(a.close(), b.close())
