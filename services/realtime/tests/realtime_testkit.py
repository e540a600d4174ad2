"""Helpers for the realtime tests: real nodes as subprocesses. Their Pusher client is the
repository's one, ``realtime_support.pusher_socket``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pusher
import redis
from websockets.exceptions import ConnectionClosed

from switchboard_shared.pusher import user_auth

from realtime_support.pusher_socket import TEST_KEY, TEST_SECRET, PusherSocket

APP_ID = "1"  # the stock Python library only accepts numeric app ids
KEY = TEST_KEY
SECRET = TEST_SECRET
SOCKET_ID = re.compile(r"\d+\.\d+")

StartNode = Callable[..., Awaitable["NodeProcess"]]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class NodeProcess:
    """One ``python -m switchboard_realtime`` subprocess on its own port."""

    port: int
    process: asyncio.subprocess.Process
    log_path: str
    env: dict[str, str] = field(repr=False)

    def ws_url(self, key: str = KEY, query: str = "protocol=7&client=js&version=8.4.0") -> str:
        return f"ws://127.0.0.1:{self.port}/app/{key}?{query}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pusher(self, secret: str = SECRET) -> pusher.Pusher:
        """The stock Pusher server library pointed at this node."""
        return pusher.Pusher(
            app_id=APP_ID, key=KEY, secret=secret, host="127.0.0.1", port=self.port, ssl=False
        )

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def http_get(port: int, path: str) -> tuple[int, bytes]:
    """A bare HTTP/1.1 GET (no client library), returning status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


#: how a URL names a Redis Cluster (switchboard_realtime.redis_link)
CLUSTER_SCHEME = "redis+cluster://"


def sync_client(url: str) -> redis.Redis | redis.RedisCluster:
    """A blocking client for a test's own checks and cleanup, of either kind."""
    if url.startswith(CLUSTER_SCHEME):
        return redis.RedisCluster.from_url("redis://" + url.removeprefix(CLUSTER_SCHEME))
    return redis.Redis.from_url(url)


async def start_node(redis_url: str, prefix: str, **settings: Any) -> NodeProcess:
    """Start a node with test credentials and the given ``RT_*`` settings; wait until healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RT_")}
    env |= {
        "RT_HOST": "127.0.0.1",
        "RT_PORT": str(port),
        "RT_REDIS_URL": redis_url,
        "RT_REDIS_PREFIX": prefix,
        "RT_APP_ID": APP_ID,
        "RT_APP_KEY": KEY,
        "RT_APP_SECRET": SECRET,
        # Protocol tests use public channels; tests of the default pass it explicitly.
        "RT_PUBLIC_CHANNELS_ENABLED": "true",
    }
    env |= {f"RT_{name.upper()}": str(value) for name, value in settings.items()}
    log = tempfile.NamedTemporaryFile(prefix="rt-node-", suffix=".log", delete=False)  # noqa: SIM115
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchboard_realtime", env=env, stdout=log, stderr=log
    )
    node = NodeProcess(port, process, log.name, env)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"node exited: {node.log()}")
        with contextlib.suppress(OSError):
            if (await http_get(port, "/healthz"))[0] == 200:
                return node
        await asyncio.sleep(0.05)
    await node.stop()
    raise RuntimeError(f"node did not become healthy: {node.log()}")


async def sign_in(sock: PusherSocket, user_id: str, secret: str = SECRET) -> dict[str, Any]:
    """``pusher:signin`` as ``user_id`` with a correctly signed ``user_data``; the reply."""
    user_data = json.dumps({"id": user_id})
    auth = user_auth(KEY, secret, sock.socket_id, user_data)
    await sock.send("pusher:signin", {"auth": auth, "user_data": user_data})
    return await sock.recv()


async def close_code(sock: PusherSocket, wait: float = 5) -> int:
    """The code the server closes the socket with (frames before it are skipped)."""
    deadline = time.monotonic() + wait
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(sock.ws.recv(), max(0.01, deadline - time.monotonic()))
    code = sock.ws.close_code
    assert code is not None, "closed without a close frame"
    return code
