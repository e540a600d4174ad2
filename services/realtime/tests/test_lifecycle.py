"""Slow consumers and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import stat
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import StartNode, http_get


async def _metric(port: int, name: str) -> float:
    _, body = await http_get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exposed")


async def _stalled_client(url: str) -> PusherSocket:
    # Tiny receive buffer and a one-message queue: once it stops reading, TCP pushes back.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.split(":")[2].split("/", maxsplit=1)[0])))
    return await PusherSocket.connect(url, sock=sock, max_queue=1)


async def test_slow_client_is_dropped_without_delaying_others(start: StartNode) -> None:
    node = await start(send_buffer_limit_bytes=65_536, slow_client_grace_seconds=0.5)
    fast = await PusherSocket.connect(node.ws_url())
    slow = await _stalled_client(node.ws_url())
    for client in (fast, slow):
        await client.subscribe("private-firehose")
    lib = node.pusher()
    filler = "x" * 8000
    latencies: list[float] = []
    sent = 0

    async def read_fast() -> None:
        while True:
            frame = await fast.expect("tick", wait=10)
            data = decode_data(frame)
            latencies.append(time.time() - data["t"])
            if data["last"]:
                return

    reader = asyncio.create_task(read_fast())
    dropped_after = None
    for batch_no in range(600):
        batch = [
            {"channel": "private-firehose", "name": "tick", "data": {"t": 0, "last": False}}
            for _ in range(10)
        ]
        for item in batch:
            item["data"] = json.dumps({"t": time.time(), "last": False, "pad": filler})
        await asyncio.to_thread(lib.trigger_batch, batch)
        sent += len(batch)
        if await _metric(node.port, "realtime_slow_clients_dropped_total") >= 1:
            dropped_after = batch_no
            break
    last = json.dumps({"t": time.time(), "last": True})
    await asyncio.to_thread(lib.trigger, "private-firehose", "tick", last)
    await asyncio.wait_for(reader, 20)

    print(
        f"dropped after {dropped_after} batches; p50 {sorted(latencies)[len(latencies) // 2]:.4f}s max {max(latencies):.4f}s over {len(latencies)}"
    )
    assert dropped_after is not None, "the stalled client was never dropped"
    assert len(latencies) == sent + 1, "the fast client missed events"
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.1
    assert latencies[-1] < 1.0, f"max latency {latencies[-1]:.3f}s"
    # The slow client, once it reads again, finds its connection closed.
    with pytest.raises(ConnectionClosed):
        await _read_until_closed(slow)
    await fast.close()


async def _read_until_closed(client: PusherSocket) -> None:
    while True:
        await client.recv(5)


async def test_sigterm_closes_clients_with_4200_and_exits_fast(start: StartNode) -> None:
    node = await start()
    clients = [await PusherSocket.connect(node.ws_url()) for _ in range(3)]
    for i, client in enumerate(clients):
        await client.subscribe("presence-bye", user_id=str(i))
    started = time.monotonic()
    node.process.send_signal(signal.SIGTERM)
    for client in clients:
        error = await client.expect("pusher:error", wait=5)
        assert error["data"]["code"] == 4200
        with pytest.raises(ConnectionClosed):
            await client.recv(5)
        assert client.ws.close_code == 4200
    assert await asyncio.wait_for(node.process.wait(), 5) == 0
    assert time.monotonic() - started < 3


async def test_a_unix_socket_serves_clients_beside_tcp_and_goes_at_exit(
    start: StartNode, tmp_path: Path
) -> None:
    """For nginx on the same host: the same protocol on a Unix socket. A socket file left by
    a node killed with -9 does not stop the next one; a clean exit removes the file."""
    path = tmp_path / "rt.sock"
    with socket.socket(socket.AF_UNIX) as stale:  # bound, never listened: a dead node's
        stale.bind(str(path))
    node = await start(unix_socket=str(path))
    assert stat.S_ISSOCK(path.stat().st_mode)
    local = socket.socket(socket.AF_UNIX)
    local.connect(str(path))
    over_unix = await PusherSocket.connect(node.ws_url(), sock=local)
    over_tcp = await PusherSocket.connect(node.ws_url())
    for client in (over_unix, over_tcp):
        await client.subscribe("news")
    await asyncio.to_thread(node.pusher().trigger, "news", "headline", {"n": 1})
    for client in (over_unix, over_tcp):
        frame = await client.expect("headline")
        assert decode_data(frame) == {"n": 1}
    await over_unix.close()
    await over_tcp.close()
    await node.stop()
    assert node.process.returncode == 0
    assert not path.exists()


def _queued_connects(family: socket.AddressFamily, address: object, count: int) -> int:
    """Connect ``count`` sockets to a listener that accepts nothing; how many got queued."""
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family)
            opened.append(sock)
            sock.settimeout(1)  # a full TCP queue drops the SYN: connect would hang
            try:
                sock.connect(address)
            except OSError:  # EAGAIN on a Unix socket, a timeout on TCP
                break
        else:
            return count
        return len(opened) - 1
    finally:
        for sock in opened:
            sock.close()


async def test_a_reconnect_burst_queues_instead_of_being_refused(
    start: StartNode, tmp_path: Path
) -> None:
    """After a restart every client reconnects at once: while the node is busy (stopped
    here), the listeners queue far more than the default 100 pending connections."""
    path = tmp_path / "rt.sock"
    node = await start(unix_socket=str(path), listen_backlog=1000)
    burst = 600
    node.process.send_signal(signal.SIGSTOP)
    try:
        unix = await asyncio.to_thread(_queued_connects, socket.AF_UNIX, str(path), burst)
        tcp = await asyncio.to_thread(
            _queued_connects, socket.AF_INET, ("127.0.0.1", node.port), burst
        )
    finally:
        node.process.send_signal(signal.SIGCONT)
    assert (unix, tcp) == (burst, burst)
