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
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.events.pg import asyncpg_dsn, close_quietly, connect, wait_for
from switchboard_api.events.repository import Unpublished
from switchboard_api.events.tracing import RequestTrace
from switchboard_api.events.wake import listen_for_commits, wake_channel
from switchboard_api.platform.redis_link import RedisClient

log = logging.getLogger("switchboard_api.events.sequencer")

#: Advisory lock key of the sequencer (any constant unique in this database). The
#: server-side function of migration 0007 spells it out too.
SEQUENCER_LOCK = 7_305_001
#: Sent by the sequencer when it has committed new offsets (wakes the relays); the payload
#: is the highest offset of the pass.
SEQUENCED_CHANNEL = "entity_events_sequenced"

# One round trip per pass: the function (migration 0007) takes the transaction-level lock,
# numbers the pending rows it then sees in id order continuing from max(offset), notifies,
# and commits with the call. No rows: nothing pending, or another pass holds the lock (it
# is woken by the same commits, so nothing waits on us).
# The pass also returns what the relay publishes of each event (migration 0008).
_NUMBER_PENDING = """
    SELECT seq, delay_ms, entity_type, entity_id, version, action, actor_id, fields
    FROM entity_events_sequence($1)
"""


@dataclass(frozen=True, slots=True)
class Pass:
    """One sequencing pass: the events it numbered (in offset order) and their delays."""

    events: list[Unpublished]
    delays_ms: list[float]


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


async def sequence_pass(conn: asyncpg.Connection, *, batch: int = 1000) -> Pass | None:
    """Number the pending events one pass sees (at most ``batch``), in its own transaction;
    None if it numbered none."""
    rows = await conn.fetch(_NUMBER_PENDING, batch)
    if not rows:
        return None
    return Pass(
        events=[Unpublished(row[0], *row[2:]) for row in rows],
        delays_ms=[float(row[1]) for row in rows],
    )


async def sequence_pending(engine: AsyncEngine) -> int:
    """Number everything pending now (tests and tools); how many events were numbered."""
    sequencer = Sequencer(engine, redis=None)
    try:
        return await sequencer.drain()
    finally:
        await sequencer.close()


class Sequencer:
    """Runs sequencing passes when a writer's commit wakes it (a Redis message, see
    :mod:`switchboard_api.events.wake`), and every ``poll_seconds`` anyway.

    It keeps one plain connection of its own (a pass is a single statement, so a pooled
    session's checkout ping, BEGIN and COMMIT would triple its round trips).
    ``on_sequenced(events)`` is given each pass's events: the worker hands them to its own
    relay, which then need neither wait for the NOTIFY nor read them back.
    ``on_pass_started()`` is called before each pass, and ``on_sequenced`` after it in
    every case (``[]`` when it numbered nothing or failed): the pass's NOTIFY can reach
    the relay before the pass returns here, and the relay waits for the hand-over then.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        redis: RedisClient | None,
        on_sequenced: Callable[[list[Unpublished]], None] | None = None,
        on_pass_started: Callable[[], None] | None = None,
        trace: RequestTrace | None = None,
        poll_seconds: float = 1.0,
        batch: int = 1000,
        report_seconds: float = 60.0,
    ) -> None:
        self._dsn = asyncpg_dsn(engine.url.render_as_string(hide_password=False))
        self._redis = redis
        self._channel = wake_channel(engine)
        self._on_sequenced = on_sequenced
        self._on_pass_started = on_pass_started
        self._trace = trace
        self._conn: asyncpg.Connection | None = None
        self._wakeup = asyncio.Event()
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._report_seconds = report_seconds
        self.stats = DelayStats()

    async def run(self) -> None:
        """Sequence until cancelled; survives database and Redis outages (retries with
        backoff; without wake-ups it still polls)."""
        woken = (
            asyncio.create_task(
                listen_for_commits(self._redis, self._channel, self._wakeup, self._trace)
            )
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
            await self.close()
            if self.stats.total:
                log.info("sequencer stopped: %s", self.stats.summary())

    async def drain(self) -> int:
        """Run passes until nothing is pending (or another sequencer has the lock)."""
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect(self._dsn, "sequencer")
        done = 0
        try:
            while True:
                if self._on_pass_started is not None:
                    self._on_pass_started()
                numbered = await sequence_pass(self._conn, batch=self._batch)
                self._handed_over([] if numbered is None else numbered.events)
                if numbered is None:
                    return done
                self.stats.add(numbered.delays_ms)
                done += len(numbered.events)
                if len(numbered.events) < self._batch:
                    return done
        except BaseException:
            self._handed_over([])  # the pass is over, whatever it did: the relay stops waiting
            # Failed or cancelled mid-call: the connection's state is unknown; start afresh.
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.terminate()
            raise

    def _handed_over(self, events: list[Unpublished]) -> None:
        if self._on_sequenced is not None:
            self._on_sequenced(events)

    async def close(self) -> None:
        """Close the connection (the next pass opens a new one)."""
        conn, self._conn = self._conn, None
        await close_quietly(conn)
