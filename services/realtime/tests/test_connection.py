"""The WebSocket handshake, liveness and close codes of one node."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import KEY, SOCKET_ID, NodeProcess, StartNode, http_get


async def test_connection_established(node: NodeProcess) -> None:
    async with connect(node.ws_url()) as ws:
        frame = json.loads(await ws.recv())
    assert frame["event"] == "pusher:connection_established"
    assert isinstance(frame["data"], str)  # double-encoded, like Pusher
    data = json.loads(frame["data"])
    assert SOCKET_ID.fullmatch(data["socket_id"])
    assert data["activity_timeout"] == 120


async def test_socket_ids_are_unique(node: NodeProcess) -> None:
    sockets = [await PusherSocket.connect(node.ws_url()) for _ in range(5)]
    assert len({s.socket_id for s in sockets}) == 5
    for s in sockets:
        await s.close()


async def _closed_with(url: str) -> tuple[dict[str, object], int | None]:
    async with connect(url) as ws:
        error = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 3)
        assert ws.close_code is not None
        return error, ws.close_code


@pytest.mark.parametrize(
    ("key", "query", "code"),
    [
        ("nope", "protocol=7", 4001),
        (KEY, "protocol=2", 4007),
        (KEY, "client=js", 4008),
    ],
)
async def test_refused_connections(node: NodeProcess, key: str, query: str, code: int) -> None:
    error, close_code = await _closed_with(node.ws_url(key, query))
    assert error["event"] == "pusher:error"
    assert error["data"]["code"] == code  # type: ignore[index]
    assert close_code == code


async def test_unknown_path_closes_4005(node: NodeProcess) -> None:
    _, close_code = await _closed_with(f"ws://127.0.0.1:{node.port}/socket")
    assert close_code == 4005


async def test_over_capacity_closes_4100(start: StartNode) -> None:
    node = await start(max_connections=2)
    first = await PusherSocket.connect(node.ws_url())
    second = await PusherSocket.connect(node.ws_url())
    error, code = await _closed_with(node.ws_url())
    assert (error["data"]["code"], code) == (4100, 4100)  # type: ignore[index]
    await first.close()
    await asyncio.sleep(0.2)
    third = await PusherSocket.connect(node.ws_url())  # room again
    await asyncio.gather(second.close(), third.close())


async def test_pusher_ping_gets_pong(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.send("pusher:ping", {})
    assert await client.recv() == {"event": "pusher:pong", "data": "{}"}
    await client.close()


async def test_garbage_frame_is_an_error_not_a_close(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.ws.send("not json")
    frame = await client.recv()
    assert frame["event"] == "pusher:error"
    await client.send("pusher:ping", {})
    assert (await client.recv())["event"] == "pusher:pong"
    await client.close()


async def test_oversized_frame_closes_1009(start: StartNode) -> None:
    node = await start(max_message_bytes=2048)
    client = await PusherSocket.connect(node.ws_url())
    await client.send("client-x", {"blob": "x" * 4096}, channel="private-a")
    with pytest.raises(ConnectionClosed):
        await client.recv()
    assert client.ws.close_code == 1009


async def test_idle_client_is_pinged_and_ws_pong_keeps_it(start: StartNode) -> None:
    node = await start(activity_timeout=1, pong_timeout=1)
    client = await PusherSocket.connect(node.ws_url())  # answers WS pings by itself
    frame = await client.expect("pusher:ping", wait=4)
    assert frame["data"] == "{}"
    await asyncio.sleep(2.5)
    await client.send("pusher:ping", {})
    assert (await client.expect("pusher:pong"))["event"] == "pusher:pong"
    await client.close()


async def _raw_websocket(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    # A client that completes the handshake and then answers nothing, not even WS pings.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One unmasked server frame (RFC 6455 section 5.2): its opcode and payload."""
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    assert not second & 0x80, "a server frame must not be masked"
    return first & 0x0F, await reader.readexactly(length)


async def test_silent_client_is_closed_4201(start: StartNode) -> None:
    node = await start(activity_timeout=1, pong_timeout=1)
    reader, writer = await _raw_websocket(node.port, f"/app/{KEY}?protocol=7")
    started = time.monotonic()
    texts: list[bytes] = []
    while True:
        opcode, payload = await asyncio.wait_for(_read_frame(reader), 6)
        if opcode == 0x8:  # close
            break
        texts.append(payload)
    assert int.from_bytes(payload[:2], "big") == 4201
    assert any(b"pusher:ping" in text for text in texts)
    assert 1.5 < time.monotonic() - started < 5
    writer.close()


async def test_healthz_and_metrics(node: NodeProcess) -> None:
    client = await PusherSocket.connect(node.ws_url())
    await client.subscribe("public-a")
    assert await http_get(node.port, "/healthz") == (200, b"ok\n")
    status, body = await http_get(node.port, "/metrics")
    text = body.decode()
    assert status == 200
    assert "realtime_connections 1.0" in text
    assert "realtime_channels 1.0" in text
    for name in (
        "realtime_messages_in_total",
        "realtime_messages_out_total",
        "realtime_slow_clients_dropped_total",
        "realtime_publish_latency_seconds_bucket",
    ):
        assert name in text
    await client.close()


def test_decode_data_helper() -> None:
    assert decode_data({"data": '{"a":1}'}) == {"a": 1}
    assert decode_data({"data": "plain"}) == "plain"
