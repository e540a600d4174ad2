"""Every query of erasure: event values, objects left to delete, the audit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.erasure import Erasure, PendingObjectDeletion
from switchboard_api.db.events import EntityEvent


@dataclass(frozen=True, slots=True)
class PendingObject:
    """One S3 object still to delete."""

    id: int
    bucket: str
    key: str


async def redact_events(session: AsyncSession, entity_type: str, entity_id: uuid.UUID) -> None:
    """Drop the field values of every event of one record; offset, type, id, action, actor,
    version and time stay, so feeds keep their order."""
    await session.execute(
        update(EntityEvent)
        .where(EntityEvent.entity_type == entity_type, EntityEvent.entity_id == entity_id)
        .values(changes={})
    )


async def queue_object_deletions(
    session: AsyncSession,
    bucket: str,
    keys: Sequence[str],
    *,
    entity_type: str,
    entity_id: uuid.UUID,
) -> None:
    """Remember ``keys`` as objects to delete, in the erasing transaction."""
    if keys:
        rows = [
            {"bucket": bucket, "key": key, "entity_type": entity_type, "entity_id": entity_id}
            for key in keys
        ]
        await session.execute(insert(PendingObjectDeletion), rows)


async def record_erasure(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    reason: str,
    actor_id: uuid.UUID | None,
    objects: int,
) -> None:
    """The audit line of one erasure (never the erased values)."""
    await session.execute(
        insert(Erasure).values(
            entity_type=entity_type,
            entity_id=entity_id,
            reason=reason,
            actor_id=actor_id,
            objects=objects,
        )
    )


async def claim_pending(session: AsyncSession, limit: int) -> list[PendingObject]:
    """Up to ``limit`` objects still to delete, oldest first, locked until commit (rows
    another deleter holds are skipped)."""
    stmt = (
        select(PendingObjectDeletion.id, PendingObjectDeletion.bucket, PendingObjectDeletion.key)
        .order_by(PendingObjectDeletion.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [PendingObject(*row) for row in (await session.execute(stmt)).all()]


async def forget_deleted(session: AsyncSession, ids: Sequence[int]) -> None:
    """S3 confirmed these deletions: nothing is left to do for them."""
    if ids:
        await session.execute(
            delete(PendingObjectDeletion).where(PendingObjectDeletion.id.in_(list(ids)))
        )


async def note_failed_attempt(session: AsyncSession, pending_id: int, error: str) -> None:
    """One more failed try of a deletion, and why (the row stays for the next try)."""
    await session.execute(
        update(PendingObjectDeletion)
        .where(PendingObjectDeletion.id == pending_id)
        .values(attempts=PendingObjectDeletion.attempts + 1, last_error=error[:2000])
    )
