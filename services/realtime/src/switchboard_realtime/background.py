"""Fire-and-forget tasks that are still referenced (so not garbage-collected) and awaitable."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    """Holds the node's background tasks until they finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` concurrently and keep a reference until it is done."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the tasks that are running now."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=seconds)
