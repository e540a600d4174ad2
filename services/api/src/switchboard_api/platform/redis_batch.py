"""Coalesce the Redis commands of concurrent requests into shared round trips.

Under load a worker has dozens of requests in flight, and each would send its own command
(the session check, say) over its own pooled connection: a write, a read and a wakeup per
request, which on a small machine cost more CPU than the command. :class:`CommandBatcher`
instead sends every command issued during one event-loop turn as one pipeline (no
transaction: each command runs on its own, exactly as if sent alone), one round trip for
all. A command is still sent after its request arrived, so it sees every write that was
acknowledged before; the wait it adds is one loop turn.
"""

from __future__ import annotations

import asyncio
from typing import Any

from switchboard_api.platform.redis_link import RedisClient


class CommandBatcher:
    """Send the commands issued in the same event-loop turn as one pipelined round trip."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._pending: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._sending: set[asyncio.Task[None]] = set()  # strong references while running

    async def execute(self, *args: Any) -> Any:
        """Run one command (``"EVALSHA", sha, ...``); its reply, or its error raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)  # after the other requests of this turn queued theirs
        self._pending.append((args, future))
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for args, _ in batch:
                    pipe.execute_command(*args)
                replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # the connection failed: every command in it failed
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # its request was cancelled meanwhile
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)
