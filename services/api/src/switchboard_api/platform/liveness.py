"""How a pooled PostgreSQL connection is checked before a request gets it.

SQLAlchemy's ``pool_pre_ping`` checks every checkout, and with asyncpg a check is three
round trips (BEGIN, an empty query, ROLLBACK: written for pgbouncer's transaction mode),
more than a typical request's own queries. Instead, a connection that came back to the
pool within the last :data:`RECENTLY_USED_SECONDS` is lent without a check (HikariCP's
``aliveBypassWindowMs`` does the same, 500 ms by default), and an older one gets a single
empty query; one that fails it is replaced before the request sees it.

The cost of the window: a connection that died within it (PostgreSQL restarted under
load) fails the request that gets it, with a 503 and ``Retry-After`` (errors.py), and
SQLAlchemy then invalidates the whole pool, so the requests after it reconnect.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_

RECENTLY_USED_SECONDS = 0.5

_RETURNED_AT = "switchboard.returned_at"


def check_liveness_on_checkout(
    engine: AsyncEngine, *, recently_used_seconds: float = RECENTLY_USED_SECONDS
) -> None:
    """Install the check on ``engine``'s pool (instead of ``pool_pre_ping``)."""

    def connected(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()  # brand new: known good

    def checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(
        _dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at < recently_used_seconds:
            return
        driver = record.driver_connection
        if driver is None:
            raise DisconnectionError("pooled connection is closed")
        try:
            # Outside a transaction, an empty query is one round trip. The pool runs this
            # hook inside the engine's greenlet, so awaiting the driver here is allowed.
            await_(driver.fetchrow(";"))
        except Exception as exc:
            # The pool discards this connection and lends another (or a new one).
            raise DisconnectionError(f"pooled connection is dead: {exc!r}") from exc

    pool = engine.sync_engine
    event.listen(pool, "connect", connected)
    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)
