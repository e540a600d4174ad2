"""The HTTP API through the stock ``pusher`` library and raw signed requests."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pusher.errors
import pytest
import requests

from switchboard_shared.pusher import sign_request

from realtime_support.pusher_socket import PusherSocket
from realtime_testkit import APP_ID, KEY, SECRET, NodeProcess, StartNode


def _signed(
    node: NodeProcess,
    method: str,
    path: str,
    body: bytes = b"",
    secret: str = SECRET,
    **params: str,
) -> requests.Response:
    query = sign_request(KEY, secret, method, path, body=body, params=params)
    return requests.request(
        method,
        node.http_url + path,
        params=query,
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )


async def test_trigger_reaches_subscribers(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("private-contacts")
    await client.subscribe("orders")
    lib = node.pusher()
    result = await asyncio.to_thread(
        lib.trigger, ["private-contacts", "orders"], "contact.updated", {"id": 5}
    )
    assert result == {}
    frames = [await client.expect("contact.updated") for _ in range(2)]
    assert {f["channel"] for f in frames} == {"private-contacts", "orders"}
    assert frames[0]["data"] == '{"id": 5}'  # the library's string, forwarded verbatim
    await client.close()


async def test_trigger_excludes_socket_id(node: NodeProcess) -> None:
    actor = await PusherSocket.connect(node.ws_url())
    other = await PusherSocket.connect(node.ws_url())
    for s in (actor, other):
        await s.subscribe("private-deals")
    lib = node.pusher()
    await asyncio.to_thread(lib.trigger, "private-deals", "deal.won", "x", actor.socket_id)
    assert (await other.expect("deal.won"))["data"] == "x"  # strings go as they are
    await actor.assert_nothing(0.3)
    await asyncio.gather(actor.close(), other.close())


async def test_trigger_batch(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("private-batch")
    lib = node.pusher()
    batch = [{"channel": "private-batch", "name": f"e{i}", "data": {"i": i}} for i in range(5)]
    assert await asyncio.to_thread(lib.trigger_batch, batch) == {}
    names = [(await client.recv())["event"] for _ in range(5)]
    assert names == [f"e{i}" for i in range(5)]  # in order
    await client.close()


async def test_batch_over_several_channels_keeps_each_connections_order(
    node: NodeProcess,
) -> None:
    """A batch is written to each subscriber as one piece (the fan-out coalesces): every
    connection still gets exactly its events, in the batch's order across its channels,
    and an excluded socket misses only the event it was excluded from."""
    both = await PusherSocket.connect(node.ws_url())
    only_a = await PusherSocket.connect(node.ws_url())
    for channel in ("private-a", "private-b"):
        await both.subscribe(channel)
    await only_a.subscribe("private-a")
    batch = [
        {"channel": "private-a", "name": "a1", "data": "1"},
        {"channel": "private-b", "name": "b1", "data": "2"},
        {"channel": "private-a", "name": "a2", "data": "3", "socket_id": only_a.socket_id},
        {"channel": "private-b", "name": "b2", "data": "4"},
        {"channel": "private-a", "name": "a3", "data": "5"},
    ]
    assert await asyncio.to_thread(node.pusher().trigger_batch, batch) == {}
    got = [(f["channel"], f["event"]) for f in [await both.recv() for _ in range(5)]]
    assert got == [(e["channel"], e["name"]) for e in batch]
    got_a = [(await only_a.recv())["event"] for _ in range(2)]
    assert got_a == ["a1", "a3"]
    await both.assert_nothing(0.2)
    await only_a.assert_nothing(0.2)
    await asyncio.gather(both.close(), only_a.close())


async def test_channel_queries(node: NodeProcess) -> None:
    a = await PusherSocket.connect(node.ws_url())
    b = await PusherSocket.connect(node.ws_url())
    await a.subscribe("presence-q.1", user_id="1")
    await b.subscribe("presence-q.1", user_id="2")
    await a.subscribe("private-q")
    await b.subscribe("private-q")
    lib = node.pusher()
    channels = (await asyncio.to_thread(lib.channels_info))["channels"]
    assert {"presence-q.1", "private-q"} <= set(channels)
    presence = await asyncio.to_thread(lib.channels_info, "presence-q.", ["user_count"])
    assert presence == {"channels": {"presence-q.1": {"user_count": 2}}}
    info = await asyncio.to_thread(
        lib.channel_info, "presence-q.1", ["user_count", "subscription_count"]
    )
    assert info == {"occupied": True, "user_count": 2, "subscription_count": 2}
    info = await asyncio.to_thread(lib.channel_info, "private-q", ["subscription_count"])
    assert info == {"occupied": True, "subscription_count": 2}
    assert await asyncio.to_thread(lib.channel_info, "empty-channel") == {"occupied": False}
    users = await asyncio.to_thread(lib.users_info, "presence-q.1")
    assert sorted(u["id"] for u in users["users"]) == ["1", "2"]
    await b.close()
    await asyncio.sleep(0.2)
    users = await asyncio.to_thread(lib.users_info, "presence-q.1")
    assert users == {"users": [{"id": "1"}]}
    await a.close()


async def test_trigger_info_returns_counts(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("presence-info", user_id="z")
    body = json.dumps(
        {"name": "e", "data": "{}", "channels": ["presence-info"], "info": "user_count"}
    ).encode()
    response = await asyncio.to_thread(_signed, node, "POST", f"/apps/{APP_ID}/events", body)
    assert response.json() == {"channels": {"presence-info": {"user_count": 1}}}
    await client.close()


async def test_bad_signature_is_401(node: NodeProcess) -> None:
    with pytest.raises(pusher.errors.PusherBadAuth):
        await asyncio.to_thread(node.pusher(secret="wrong").trigger, "a", "e", "d")
    with pytest.raises(pusher.errors.PusherBadAuth):
        await asyncio.to_thread(node.pusher(secret="wrong").channels_info)
    # A stale timestamp is refused even when correctly signed.
    body = b'{"name":"e","data":"x","channel":"a"}'
    params = sign_request(
        KEY, SECRET, "POST", f"/apps/{APP_ID}/events", body=body, timestamp=int(time.time()) - 700
    )
    response = await asyncio.to_thread(
        requests.post, node.http_url + f"/apps/{APP_ID}/events", params=params, data=body, timeout=5
    )
    assert response.status_code == 401
    assert "window" in response.json()["error"]


async def test_tampered_body_is_401(node: NodeProcess) -> None:
    path = f"/apps/{APP_ID}/events"
    params = sign_request(KEY, SECRET, "POST", path, body=b'{"name":"e","data":"1","channel":"a"}')
    response = await asyncio.to_thread(
        requests.post,
        node.http_url + path,
        params=params,
        data=b'{"name":"e","data":"2","channel":"a"}',
        timeout=5,
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"name":"e","data":"x"}', 400),  # no channel
        (b'{"name":"e","data":{"obj":1},"channel":"a"}', 400),  # data must be a string
        (b'{"name":"e","data":"x","channel":"bad name"}', 400),
        (b'{"name":"e","data":"x","channel":"a","socket_id":"abc"}', 400),
        (json.dumps({"name": "e", "data": "x", "channels": [f"c{i}" for i in range(101)]}), 400),
        (json.dumps({"name": "e", "data": "x" * 10_241, "channel": "a"}), 413),
        (json.dumps({"name": "e", "data": "x", "channel": "a", "info": "bogus"}), 400),
    ],
)
async def test_bad_events_input(node: NodeProcess, body: bytes | str, status: int) -> None:
    raw = body.encode() if isinstance(body, str) else body
    response = await asyncio.to_thread(_signed, node, "POST", f"/apps/{APP_ID}/events", raw)
    assert response.status_code == status
    assert response.json()["error"]


async def test_batch_limits(node: NodeProcess) -> None:
    batch = {"batch": [{"name": "e", "data": "x", "channel": "a"}] * 101}
    body = json.dumps(batch).encode()
    response = await asyncio.to_thread(_signed, node, "POST", f"/apps/{APP_ID}/batch_events", body)
    assert response.status_code == 400


async def test_body_over_the_limit_is_413(start: StartNode) -> None:
    node = await start(max_http_body_bytes=4096)
    body = json.dumps({"name": "e", "data": "x" * 8000, "channel": "a"}).encode()
    response = await asyncio.to_thread(_signed, node, "POST", f"/apps/{APP_ID}/events", body)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "params", "status"),
    [
        ("GET", f"/apps/{APP_ID}/channels", {"info": "user_count"}, 400),  # presence- only
        ("GET", f"/apps/{APP_ID}/channels/private-a/users", {}, 400),
        ("GET", f"/apps/{APP_ID}/channels/private-a", {"info": "user_count"}, 400),
        ("GET", f"/apps/{APP_ID}/events", {}, 405),
        ("GET", f"/apps/{APP_ID}/nothing", {}, 404),
        ("GET", "/apps/999/channels", {}, 404),
    ],
)
async def test_bad_queries(
    node: NodeProcess, method: str, path: str, params: dict[str, Any], status: int
) -> None:
    response = await asyncio.to_thread(_signed, node, method, path, b"", SECRET, **params)
    assert response.status_code == status
    assert response.json()["error"]


async def test_terminate_user_connections_route(node: NodeProcess) -> None:
    # The stock library posts without the /apps/{id} prefix; it must be routed and signed.
    result = await asyncio.to_thread(node.pusher().terminate_user_connections, "42")
    assert result == {}


async def test_expect_100_continue_is_answered(node: NodeProcess) -> None:
    # curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for the go-ahead.
    path = f"/apps/{APP_ID}/events"
    body = json.dumps({"name": "e", "data": "x" * 2000, "channel": "a"}).encode()
    query = "&".join(
        f"{k}={v}" for k, v in sign_request(KEY, SECRET, "POST", path, body=body).items()
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    writer.write(
        f"POST {path}?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\n\r\n".encode()
    )
    assert (
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2) == b"HTTP/1.1 100 Continue\r\n\r\n"
    )
    writer.write(body)
    status, _, answer = await _read_response(reader)
    writer.close()
    assert status == 200
    assert answer == b"{}"


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).decode()
    status_line, *lines = head.strip().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    return int(status_line.split()[1]), headers, body


def _signed_post(path: str, body: bytes, *, close: bool = False) -> bytes:
    query = "&".join(
        f"{k}={v}" for k, v in sign_request(KEY, SECRET, "POST", path, body=body).items()
    )
    connection = "Connection: close\r\n" if close else ""
    return (
        f"POST {path}?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: application/json\r\n{connection}\r\n"
    ).encode() + body


async def test_a_publisher_connection_is_kept_alive_between_posts(node: NodeProcess) -> None:
    """The relay publishes many times a second: one connection serves POST after POST
    (even pipelined), until the client asks to close; a refused one still answers."""
    path = f"/apps/{APP_ID}/events"
    event = json.dumps({"name": "e", "data": "x", "channel": "a"}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    writer.write(_signed_post(path, event))
    status, headers, _ = await _read_response(reader)
    assert (status, headers["connection"]) == (200, "keep-alive")
    writer.write(_signed_post(path, event) + _signed_post(path, event))  # pipelined
    for _ in range(2):
        status, headers, _ = await _read_response(reader)
        assert (status, headers["connection"]) == (200, "keep-alive")
    bad = _signed_post(path, event).replace(b"auth_signature=", b"auth_signature=0")
    writer.write(bad)
    status, headers, _ = await _read_response(reader)
    assert (status, headers["connection"]) == (401, "keep-alive")
    writer.write(_signed_post(path, event, close=True))
    status, headers, _ = await _read_response(reader)
    assert (status, headers["connection"]) == (200, "close")
    assert await asyncio.wait_for(reader.read(), 5) == b""  # and it is closed
    writer.close()
