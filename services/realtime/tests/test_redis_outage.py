"""A Redis restart: nodes reconnect, re-subscribe to the bus, and cross-node delivery resumes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import free_port, start_node


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    binary = (
        os.environ.get("SB_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    )
    return subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )


async def test_delivery_resumes_after_a_redis_restart() -> None:
    port = free_port()
    redis = _redis_server(port)
    await asyncio.sleep(0.3)
    url = f"redis://127.0.0.1:{port}/0"
    one = await start_node(url, "outage", presence_ttl_seconds=3)
    two = await start_node(url, "outage", presence_ttl_seconds=3)
    try:
        listener = await PusherSocket.connect(two.ws_url())
        await listener.subscribe("private-outage")
        redis.terminate()
        redis.wait(5)
        await asyncio.sleep(1.0)
        redis = _redis_server(port)
        deadline = time.monotonic() + 15
        delivered = False
        n = 0
        while not delivered and time.monotonic() < deadline:
            n += 1
            try:
                await asyncio.to_thread(one.pusher().trigger, "private-outage", "back", {"n": n})
                frame = await listener.expect("back", wait=0.5)
                delivered = decode_data(frame)["n"] >= 1
            except Exception:  # Redis may still be coming back (503), or nothing yet
                await asyncio.sleep(0.3)
        assert delivered, "cross-node delivery did not resume after Redis came back"
        await listener.close()
    finally:
        await asyncio.gather(one.stop(), two.stop())
        redis.terminate()
        redis.wait(5)
