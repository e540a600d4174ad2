"""The outbox relay: publishes sequenced events to the realtime service, in offset order.

At least once: an event is marked ``published_at`` only after the realtime service
acknowledged the request carrying it, so after a crash the relay resumes with the oldest
unmarked offset (clients deduplicate by offset). Marks are written a moment later, for
everything acknowledged meanwhile in one statement: a crash may then resend the events of
that moment, which at-least-once allows, and each publish costs one round trip less. One
relay is active at a time: it holds a session advisory lock on its own connection, and
the others wait their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Sequence

import asyncpg
import msgspec

from switchboard_api.events import repository
from switchboard_api.events.pg import Listener, wait_for
from switchboard_api.events.repository import Unpublished
from switchboard_api.events.sequencer import SEQUENCED_CHANNEL
from switchboard_api.realtime.channels import entity_channels
from switchboard_api.realtime.publisher import BatchEvent, Publisher, PublishError

log = logging.getLogger("switchboard_api.events.relay")

RELAY_LOCK = 7_305_002
#: How long a stopping relay may spend marking what it published since the last marks.
MARK_ON_STOP_SECONDS = 1.0
#: More handed-over events than this waiting: drop them and read the table instead.
HANDED_MAX = 10_000
EVENT_NAME = "entity.changed"


class ChangeMessage(msgspec.Struct, kw_only=True):
    """What subscribers receive: enough to refetch or patch, no field values (a channel's
    subscribers may not all be allowed to see every field)."""

    offset: int
    type: str
    id: str
    version: int
    action: str
    actor: str | None
    fields: list[str]


def to_messages(event: Unpublished) -> list[BatchEvent]:
    """The realtime messages of one event: one per channel it is published on."""
    data = msgspec.json.encode(
        ChangeMessage(
            offset=event.offset,
            type=event.entity_type,
            id=str(event.entity_id),
            version=event.version,
            action=event.action,
            actor=str(event.actor_id) if event.actor_id else None,
            fields=sorted(event.fields),
        )
    ).decode()
    return [
        BatchEvent(name=EVENT_NAME, channel=channel, data=data)
        for channel in entity_channels(event.entity_type, event.entity_id)
    ]


class Relay:
    """Runs the relay loop when it holds the lock; otherwise waits to take over.

    Its queries run on the connection that holds the lock and LISTENs. It is woken by the
    sequencer's NOTIFY (whose payload is the pass's highest offset) or, in the same process,
    directly by :meth:`sequenced`, which hands it the pass's events: when they continue
    exactly where it is, it publishes them without reading the table (any gap, and it
    reads the table, in order, from where it is). A wake-up for an offset it has already
    fetched is ignored, so the direct call and the NOTIFY that follows cost nothing more.
    """

    def __init__(
        self,
        dsn: str,
        publisher: Publisher,
        *,
        batch_events: int = 50,
        poll_seconds: float = 1.0,
        standby_seconds: float = 2.0,
        max_backoff_seconds: float = 10.0,
        mark_delay_seconds: float = 0.2,
    ) -> None:
        self._listener = Listener(
            dsn, (SEQUENCED_CHANNEL,), wanted=self._wanted, name="outbox-relay"
        )
        self._publisher = publisher
        self._batch_events = batch_events
        self._poll_seconds = poll_seconds
        self._standby_seconds = standby_seconds
        self._max_backoff = max_backoff_seconds
        self._mark_delay = mark_delay_seconds
        #: The highest offset fetched for publishing over the current connection (it is
        #: then published, or the relay reconnects and starts over from the table).
        self._fetched = 0
        #: Offsets up to this one are marked published (over this connection)...
        self._marked = 0
        #: ...and up to this one acknowledged; marked when ``_mark_due`` (monotonic) comes.
        self._acknowledged = 0
        self._mark_due: float | None = None
        #: Events handed over in-process by this worker's sequencer, not yet published.
        self._handed: deque[Unpublished] = deque()
        #: The hand-over had a gap: read the table before taking hand-overs again.
        self._read_table = False
        #: This process's sequencer is in a pass; a NOTIFY meanwhile was put off.
        self._local_pass = False
        self._notified_during_pass = False
        self.published = 0
        #: Batches published from the hand-over / read from the table (for tests and logs).
        self.batches_handed = 0
        self.batches_read = 0
        self.active = asyncio.Event()

    def pass_started(self) -> None:
        """This process's sequencer starts a pass: its NOTIFY may arrive before the pass
        returns, so a NOTIFY waits for :meth:`sequenced` instead of reading the table."""
        self._local_pass = True

    def sequenced(self, events: list[Unpublished]) -> None:
        """A pass of this process's sequencer is over, having committed ``events`` (in
        offset order, maybe none): publish them if not already under way."""
        self._local_pass = False
        if self._notified_during_pass:
            self._notified_during_pass = False
            self._listener.wakeup.set()
        if not events or events[-1].offset <= self._fetched:
            return
        if self.active.is_set():  # a standby relay would only pile them up
            if len(self._handed) + len(events) > HANDED_MAX:
                self._handed.clear()  # far behind: the table has them all
            self._handed.extend(events)
        self._listener.wakeup.set()

    def _wanted(self, payload: str) -> bool:
        try:
            wanted = int(payload) > self._fetched
        except ValueError:
            wanted = True  # not ours to judge: look
        if wanted and self._local_pass:
            self._notified_during_pass = True  # :meth:`sequenced` wakes the loop
            return False
        return wanted

    async def run(self) -> None:
        """Relay until cancelled: take the lock, publish, reconnect after any failure."""
        backoff = 0.2
        while True:
            try:
                conn = await self._listener.connect()
                self._fetched = self._marked = self._acknowledged = 0
                self._mark_due = None
                self._handed.clear()
                self._read_table = False
                backoff = 0.2
                await self._take_lock(conn)
                log.info("relay active")
                self.active.set()
                try:
                    await self._loop(conn)
                except asyncio.CancelledError:  # stopping: leave less to resend
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self.mark(conn), MARK_ON_STOP_SECONDS)
                    raise
            except Exception as exc:  # any failure: reconnect, never die
                log.warning("relay: %s; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.active.clear()
                await self._listener.close()  # closing the session releases the lock

    async def _take_lock(self, conn: asyncpg.Connection) -> None:
        # Standby: poll for the lock; losing the connection raises and reconnects.
        while True:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
                return
            await asyncio.sleep(self._standby_seconds)

    async def _loop(self, conn: asyncpg.Connection) -> None:
        wakeup, lost = self._listener.wakeup, self._listener.lost
        poll_due = time.monotonic() + self._poll_seconds
        while not lost.is_set():
            wake_by = poll_due if self._mark_due is None else min(poll_due, self._mark_due)
            woken = await wait_for(wakeup, max(0.0, wake_by - time.monotonic()))
            wakeup.clear()
            if woken or time.monotonic() >= poll_due:  # not just the marks' turn
                poll_due = time.monotonic() + self._poll_seconds
                while not lost.is_set() and await self.publish_next(conn):
                    pass
            if self._mark_due is not None and time.monotonic() >= self._mark_due:
                await self.mark(conn)
        raise ConnectionError("lock connection lost")

    def _take_handed(self) -> list[Unpublished]:
        """The next batch from the hand-over, as far as it continues right after
        ``_fetched`` without a gap."""
        handed = self._handed
        while handed and handed[0].offset <= self._fetched:
            handed.popleft()  # already fetched from the table
        batch: list[Unpublished] = []
        expected = self._fetched + 1
        while handed and len(batch) < self._batch_events and handed[0].offset == expected:
            batch.append(handed.popleft())
            expected += 1
        if handed and len(batch) < self._batch_events:
            # A gap (another process's pass, or ours before this relay caught up): what
            # follows is read from the table, in order, which has those events too.
            handed.clear()
            self._read_table = True
        return batch

    async def publish_next(self, conn: asyncpg.Connection) -> bool:
        """Publish the next batch (retrying until acknowledged); whether there was one."""
        events = [] if self._read_table else self._take_handed()
        if events:
            self.batches_handed += 1
        else:
            self._read_table = False
            events = await repository.unpublished(
                conn, limit=self._batch_events, after=self._fetched
            )
            if not events:
                return False
            self.batches_read += 1
        self._fetched = events[-1].offset
        await self._deliver(events)
        self._acknowledged = events[-1].offset
        if self._mark_due is None:
            self._mark_due = time.monotonic() + self._mark_delay
        self.published += len(events)
        return bool(self._handed) or self._read_table or len(events) == self._batch_events

    async def mark(self, conn: asyncpg.Connection) -> None:
        """Mark everything acknowledged so far as published."""
        if self._acknowledged > self._marked:
            await repository.mark_published(conn, after=self._marked, up_to=self._acknowledged)
            self._marked = self._acknowledged
        self._mark_due = None

    async def _deliver(self, events: Sequence[Unpublished]) -> None:
        messages = [message for event in events for message in to_messages(event)]
        delay = 0.1
        while True:
            try:
                await self._publisher.publish_batch(messages)
            except PublishError as exc:
                if self._listener.lost.is_set():
                    raise ConnectionError("lock lost while retrying") from exc
                log.warning("relay: %s; retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)
                delay = min(delay * 2, self._max_backoff)
            else:
                return
