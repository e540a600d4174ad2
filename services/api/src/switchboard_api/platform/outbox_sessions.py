"""The sessions every writer of change events uses: each commit that wrote an event wakes the
sequencer (events/wake.py's :class:`OutboxSession` does it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchboard_api.events.wake import COMMIT_SIGNAL_KEY, CommitSignal, OutboxSession


def outbox_sessionmaker(
    engine: AsyncEngine, signal: CommitSignal | None, **kwargs: Any
) -> async_sessionmaker[AsyncSession]:
    """The sessionmaker of the process's units of work (startup owns it)."""
    info = {COMMIT_SIGNAL_KEY: signal} if signal is not None else {}
    return async_sessionmaker(
        engine, sync_session_class=OutboxSession, info=info, expire_on_commit=False, **kwargs
    )
