"""Waking the sequencer when a transaction that wrote change events has committed.

Why not a ``NOTIFY`` from a trigger: PostgreSQL serialises the commits of every
transaction that issued ``NOTIFY`` (one lock on the notification queue, held through the
commit's WAL flush), so every write of the API would queue behind the previous one's
fsync and group commit would never happen. Instead, the process that committed publishes
one Redis message after its commit; the sequencer subscribes. A lost message only costs
latency: the sequencer also polls.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from switchboard_api.events.tracing import RequestTrace, decode_wake, encode_wake
from switchboard_api.platform.redis_link import RedisClient
from switchboard_shared.logs import REQUEST_ID

log = logging.getLogger("switchboard_api.events.wake")


def wake_channel(engine: AsyncEngine) -> str:
    """The Redis pub/sub channel meaning "a transaction with new change events has
    committed" in this engine's database (sequencers of other databases don't care)."""
    return f"switchboard:entity_events:committed:{engine.url.database}"


_WRITTEN = "switchboard.events_written"
_TRACED = "switchboard.events_traced"
COMMIT_SIGNAL_KEY = "switchboard.commit_signal"
"""Where an outbox session keeps its :class:`CommitSignal` (``Session.info``)."""


class OutboxSession(Session):
    """The application's ORM session: remembers whether it wrote change events and, once
    they commit, tells the process's :class:`CommitSignal`."""


@event.listens_for(OutboxSession, "after_commit")
def _after_commit(session: Session) -> None:
    traced = session.info.pop(_TRACED, {})
    if session.info.pop(_WRITTEN, False):
        signal = session.info.get(COMMIT_SIGNAL_KEY)
        if signal is not None:
            signal.poke(traced)


@event.listens_for(OutboxSession, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_TRACED, None)


def mark_events_written(session: AsyncSession, event: str) -> None:
    """Note that this transaction wrote the change event ``event`` (its
    :func:`~switchboard_api.events.tracing.event_key`; called by the recorder), under the
    current request id if there is one."""
    session.info[_WRITTEN] = True
    request_id = REQUEST_ID.get()
    if request_id is not None:
        session.info.setdefault(_TRACED, {}).setdefault(request_id, []).append(event)


class CommitSignal:
    """Publishes the wake-up message, coalescing the commits of one moment into one
    message (the sequencer numbers everything pending in a pass anyway)."""

    def __init__(self, redis: RedisClient, channel: str) -> None:
        self._redis = redis
        self._channel = channel
        self._dirty = False
        self._traced: dict[str, list[str]] = {}
        self._task: asyncio.Task[None] | None = None

    def poke(self, traced: dict[str, list[str]] | None = None) -> None:
        """A commit happened (``traced``: request id -> the events it committed): make
        sure a message goes out after it."""
        self._dirty = True
        for request_id, events in (traced or {}).items():
            self._traced.setdefault(request_id, []).extend(events)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._dirty:
            self._dirty = False  # a commit from here on needs (and gets) another message
            payload, self._traced = encode_wake(self._traced), {}
            try:
                await self._redis.publish(self._channel, payload)
            except (RedisError, OSError) as exc:
                log.warning("could not wake the sequencer (its poll will): %s", exc)
                return

    async def aclose(self) -> None:
        """Let the message in flight go out (shutdown)."""
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task], timeout=1)


async def listen_for_commits(
    redis: RedisClient, channel: str, wakeup: asyncio.Event, trace: RequestTrace | None = None
) -> None:
    """Set ``wakeup`` on every wake-up message, until cancelled; reconnects on failure
    (and sets ``wakeup`` then too: messages may have been missed meanwhile). The events a
    message traces go to ``trace``."""
    backoff = 0.2
    while True:
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
            wakeup.set()
            backoff = 0.2
            while True:
                message = await pubsub.get_message(timeout=30.0)
                if message is not None:
                    if trace is not None:
                        trace.heard(decode_wake(message["data"]))
                    wakeup.set()
        except (RedisError, OSError) as exc:
            log.warning("commit wake-ups lost (%s); retrying in %.1fs", exc, backoff)
            wakeup.set()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
