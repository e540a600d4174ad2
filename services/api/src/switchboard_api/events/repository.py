"""Every query on ``entity_events`` made by the feed and the relay."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import now

from switchboard_api.db.events import EntityEvent


async def visible_after(
    session: AsyncSession, *, after: int, types: Collection[str], limit: int
) -> Sequence[EntityEvent]:
    """Sequenced events of ``types`` with an offset above ``after``, in offset order."""
    query = (
        select(EntityEvent)
        .where(
            EntityEvent.offset.is_not(None),
            EntityEvent.offset > after,
            EntityEvent.entity_type.in_(list(types)),
        )
        .order_by(EntityEvent.offset)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def head(session: AsyncSession) -> int:
    """The highest offset assigned so far (0 before the first)."""
    return int(await session.scalar(select(func.coalesce(func.max(EntityEvent.offset), 0))) or 0)


async def unpublished(session: AsyncSession, *, limit: int) -> Sequence[EntityEvent]:
    """The oldest sequenced events not yet acknowledged by the realtime service."""
    query = (
        select(EntityEvent)
        .where(EntityEvent.offset.is_not(None), EntityEvent.published_at.is_(None))
        .order_by(EntityEvent.offset)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def mark_published(session: AsyncSession, offsets: Collection[int]) -> None:
    """Record that the realtime service acknowledged these events."""
    await session.execute(
        update(EntityEvent)
        .where(EntityEvent.offset.in_(list(offsets)), EntityEvent.published_at.is_(None))
        .values(published_at=now())
    )
