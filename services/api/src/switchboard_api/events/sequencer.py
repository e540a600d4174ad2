"""The sequencer: gives committed change events their feed ``offset``, in visibility order.

Writers insert ``entity_events`` rows without an offset. One pass at a time (a
transaction-level advisory lock, so any number of worker processes may run this) numbers
the rows it can see, continuing from the highest offset so far. Every offset of a pass
becomes visible at once when the pass commits, and every later pass numbers above it: an
event that commits after a reader saw offset N can only get an offset above N.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import deque
from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchboard_api.events.pg import wait_for
from switchboard_api.events.wake import listen_for_commits, wake_channel

log = logging.getLogger("switchboard_api.events.sequencer")

#: Advisory lock key of the sequencer (any constant unique in this database).
SEQUENCER_LOCK = 7_305_001
#: Sent by the sequencer when it has committed new offsets (wakes the relays).
SEQUENCED_CHANNEL = "entity_events_sequenced"

_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")
# Numbered in id order among the rows this statement sees; max(offset) is read in the same
# snapshot, after the lock, so it includes every earlier pass.
_ASSIGN = text(
    """
    WITH top AS (SELECT coalesce(max("offset"), 0) AS n FROM entity_events),
    todo AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n
        FROM (
            SELECT id FROM entity_events WHERE "offset" IS NULL
            ORDER BY id LIMIT :batch FOR UPDATE
        ) AS pending
    )
    UPDATE entity_events AS e SET "offset" = top.n + todo.n
    FROM todo, top
    WHERE e.id = todo.id
    RETURNING e."offset",
        extract(epoch FROM clock_timestamp() - e.occurred_at) * 1000 AS delay_ms
    """
)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


@dataclass(slots=True)
class DelayStats:
    """Write -> offset delays (ms) of the recent events: from the writer's transaction
    start (``occurred_at``) to the sequencing pass, so an upper bound of commit -> offset."""

    window: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    total: int = 0

    def add(self, delays: list[float]) -> None:
        """Record the delays of one pass."""
        self.window.extend(delays)
        self.total += len(delays)

    def percentile(self, pct: float) -> float:
        """The ``pct`` percentile of the window, 0.0 when empty."""
        if not self.window:
            return 0.0
        if len(self.window) == 1:
            return self.window[0]
        return statistics.quantiles(self.window, n=100, method="inclusive")[int(pct) - 1]

    def summary(self) -> str:
        """A one-line summary for the log."""
        return (
            f"{self.total} events sequenced; write->offset p50 {self.percentile(50):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms, max {max(self.window, default=0.0):.1f} ms"
        )


async def sequence_pass(
    sessionmaker: async_sessionmaker[AsyncSession], *, batch: int = 1000
) -> list[tuple[int, float]] | None:
    """Number the pending events this pass sees (at most ``batch``).

    Returns ``(offset, delay_ms)`` per numbered event, or ``None`` when another
    sequencer holds the lock (that one will see our rows: it is woken by the same message).
    """
    async with sessionmaker() as session, session.begin():
        if not (await session.execute(_TRY_LOCK, {"key": SEQUENCER_LOCK})).scalar_one():
            return None
        rows = (await session.execute(_ASSIGN, {"batch": batch})).all()
        if rows:
            last = max(int(r[0]) for r in rows)
            await session.execute(_NOTIFY, {"channel": SEQUENCED_CHANNEL, "payload": str(last)})
        return [(int(r[0]), float(r[1])) for r in rows]


class Sequencer:
    """Runs sequencing passes when a writer's commit wakes it (a Redis message, see
    :mod:`switchboard_api.events.wake`), and every ``poll_seconds`` anyway."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        engine: AsyncEngine,
        *,
        redis: Redis | None,
        poll_seconds: float = 1.0,
        batch: int = 1000,
        report_seconds: float = 60.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._channel = wake_channel(engine)
        self._wakeup = asyncio.Event()
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._report_seconds = report_seconds
        self.stats = DelayStats()

    async def run(self) -> None:
        """Sequence until cancelled; survives database and Redis outages (retries with
        backoff; without wake-ups it still polls)."""
        woken = (
            asyncio.create_task(listen_for_commits(self._redis, self._channel, self._wakeup))
            if self._redis is not None
            else None
        )
        backoff = 0.2
        next_report = time.monotonic() + self._report_seconds
        self._wakeup.set()  # whatever is pending from before we started
        try:
            while True:
                await wait_for(self._wakeup, self._poll_seconds)
                self._wakeup.clear()  # before the pass: a wake-up during it means another
                try:
                    await self.drain()
                    backoff = 0.2
                except Exception as exc:  # any failure: retry, never die
                    log.warning("sequencer: %s; retrying in %.1fs", exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    self._wakeup.set()
                if time.monotonic() >= next_report and self.stats.window:
                    log.info("sequencer: %s", self.stats.summary())
                    next_report = time.monotonic() + self._report_seconds
        finally:
            if woken is not None:
                woken.cancel()
                await asyncio.gather(woken, return_exceptions=True)
            if self.stats.total:
                log.info("sequencer stopped: %s", self.stats.summary())

    async def drain(self) -> int:
        """Run passes until nothing is pending (or another sequencer has the lock)."""
        done = 0
        while True:
            numbered = await sequence_pass(self._sessionmaker, batch=self._batch)
            if not numbered:
                return done
            self.stats.add([delay for _, delay in numbered])
            done += len(numbered)
            log.debug("sequenced %d events", len(numbered))
            if len(numbered) < self._batch:
                return done
