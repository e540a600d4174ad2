"""Dedicated PostgreSQL connections for LISTEN/NOTIFY and session advisory locks.

The pooled SQLAlchemy engine cannot hold a LISTEN or a session-level lock (a pooled
connection goes back to the pool after each use), so the sequencer and the relay each
keep one plain asyncpg connection of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("switchboard_api.events.pg")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg accepts for a SQLAlchemy asyncpg URL."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def connect(dsn: str, name: str) -> asyncpg.Connection:
    """A dedicated connection, named ``name`` in ``pg_stat_activity``."""
    conn: asyncpg.Connection = await asyncpg.connect(
        dsn, timeout=5, server_settings={"application_name": name}
    )
    return conn


async def close_quietly(conn: asyncpg.Connection | None) -> None:
    """Close ``conn`` if it is open; cut it if the server does not answer in time."""
    if conn is not None and not conn.is_closed():
        try:
            await asyncio.wait_for(conn.close(), timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            conn.terminate()


class Listener:
    """One dedicated connection that LISTENs on ``channels`` and sets :attr:`wakeup`.

    Any notification (unless ``wanted(payload)`` says the owner already has it in hand),
    and any loss of the connection, sets the event: the owner then does a pass (a missed
    notification is covered by that pass and the periodic poll).
    """

    def __init__(
        self,
        dsn: str,
        channels: tuple[str, ...],
        *,
        wanted: Callable[[str], bool] | None = None,
        name: str = "listener",
    ) -> None:
        self._dsn = dsn
        self._channels = channels
        self._wanted = wanted
        self._name = name
        self.wakeup = asyncio.Event()
        self.connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()

    async def connect(self) -> asyncpg.Connection:
        """Open the connection and start listening; the caller retries on failure."""
        conn = await connect(self._dsn, self._name)
        self._lost.clear()
        conn.add_termination_listener(self._on_terminated)
        for channel in self._channels:
            await conn.add_listener(channel, self._on_notify)
        self.connection = conn
        self.wakeup.set()  # something may have happened while we were not listening
        return conn

    @property
    def lost(self) -> asyncio.Event:
        """Set when the connection (and so any session lock held on it) is gone."""
        return self._lost

    async def close(self) -> None:
        """Close the connection if it is open."""
        conn, self.connection = self.connection, None
        await close_quietly(conn)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._wanted is None or self._wanted(payload):
            self.wakeup.set()

    def _on_terminated(self, _conn: Any) -> None:
        log.warning("listener connection lost")
        self._lost.set()
        self.wakeup.set()


async def wait_for(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` pass; whether it was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
