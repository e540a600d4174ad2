"""Every query on ``entity_events``: the writers' insert, the feed's and the relay's reads."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.events import EntityEvent

# One Core statement for every event (compiled once; the ORM's bulk-insert path per call
# cost more than the insert itself on every write).
_INSERT = insert(EntityEvent.__table__)  # type: ignore[arg-type]


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert one change event in the session's transaction (no offset yet)."""
    await session.execute(_INSERT, values)


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


# The relay's queries run on its own plain asyncpg connection (the one holding its session
# lock), not a pooled session: each is then one round trip, without a checkout ping,
# BEGIN or COMMIT around it.

_UNPUBLISHED = """
    SELECT "offset", entity_type, entity_id, version, action, actor_id,
        ARRAY(SELECT jsonb_object_keys(changes)) AS fields
    FROM entity_events
    WHERE "offset" IS NOT NULL AND published_at IS NULL AND "offset" > $2
    ORDER BY "offset"
    LIMIT $1
"""
_MARK_PUBLISHED = """
    UPDATE entity_events SET published_at = now()
    WHERE "offset" > $1 AND "offset" <= $2 AND published_at IS NULL
"""


class Unpublished(NamedTuple):
    """What the relay publishes of one sequenced event (field names, never values)."""

    offset: int
    entity_type: str
    entity_id: uuid.UUID
    version: int
    action: str
    actor_id: uuid.UUID | None
    fields: list[str]


async def unpublished(conn: asyncpg.Connection, *, limit: int, after: int = 0) -> list[Unpublished]:
    """The oldest sequenced events above offset ``after`` not yet marked published."""
    return [Unpublished(*row) for row in await conn.fetch(_UNPUBLISHED, limit, after)]


async def mark_published(conn: asyncpg.Connection, *, after: int, up_to: int) -> None:
    """Record that the realtime service acknowledged every event with an offset in
    (``after``, ``up_to``] (the relay publishes in offset order, so it acknowledged a
    range)."""
    await conn.execute(_MARK_PUBLISHED, after, up_to)


# Both counts and the oldest waiting event come from the two partial indexes (events
# without an offset; sequenced but unpublished), so this stays cheap however long the log.
_BACKLOG = text(
    """
    SELECT
        (SELECT count(*) FROM entity_events
            WHERE "offset" IS NULL AND NOT withheld) AS unsequenced,
        (SELECT count(*) FROM entity_events
            WHERE "offset" IS NOT NULL AND published_at IS NULL) AS unpublished,
        COALESCE(EXTRACT(EPOCH FROM now() - LEAST(
            (SELECT occurred_at FROM entity_events WHERE "offset" IS NULL AND NOT withheld
                ORDER BY id LIMIT 1),
            (SELECT occurred_at FROM entity_events
                WHERE "offset" IS NOT NULL AND published_at IS NULL
                ORDER BY "offset" LIMIT 1)
        )), 0) AS oldest_seconds
    """
)


class OutboxBacklog(NamedTuple):
    """Committed change events not yet through the outbox."""

    unsequenced: int
    unpublished: int
    #: age of the oldest of them (0 when none waits)
    oldest_seconds: float


async def outbox_backlog(session: AsyncSession) -> OutboxBacklog:
    """How many committed events wait for an offset or for publication, and how long the
    oldest has waited."""
    row = (await session.execute(_BACKLOG)).one()
    return OutboxBacklog(int(row[0]), int(row[1]), max(0.0, float(row[2])))
