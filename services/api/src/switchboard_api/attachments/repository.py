"""Every query of attachments beyond the generic lifecycle's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.attachments import Attachment
from switchboard_api.db.base import Base
from switchboard_api.lifecycle.repository import Row


async def count_for_parent(session: AsyncSession, parent_type: str, parent_id: uuid.UUID) -> int:
    """How many files (pending, live or trashed) one record holds."""
    stmt = select(func.count()).where(
        Attachment.parent_type == parent_type, Attachment.parent_id == parent_id
    )
    return int(await session.scalar(stmt) or 0)


async def list_for_parent(
    session: AsyncSession, parent_type: str, parent_id: uuid.UUID, *, trashed: bool, limit: int
) -> list[Row]:
    """The completed files of one record, live or trashed as asked, newest first."""
    table = Attachment.__table__
    deleted = table.c.deleted_at.is_not(None) if trashed else table.c.deleted_at.is_(None)
    stmt = (
        select(table)
        .where(
            table.c.parent_type == parent_type,
            table.c.parent_id == parent_id,
            table.c.status == "ready",
            deleted,
        )
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in (await session.execute(stmt)).mappings().all()]


async def stale_uploads(
    session: AsyncSession, created_before: datetime, limit: int
) -> list[uuid.UUID]:
    """Ids of files still pending since before ``created_before``, oldest first, locked;
    rows another cleaner holds are skipped."""
    stmt = (
        select(Attachment.id)
        .where(Attachment.status == "pending", Attachment.created_at < created_before)
        .order_by(Attachment.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars().all())


def completed_with_live_parent(parents: Mapping[str, type[Base]]) -> ColumnElement[bool]:
    """Completed files whose parent, of one of ``parents`` (type name -> model), is live."""
    table = Attachment.__table__
    live_parent = []
    for name, model in parents.items():
        parent = model.__table__
        assert isinstance(parent, Table)  # every model maps one table
        alive = exists().where(parent.c.id == table.c.parent_id, parent.c.deleted_at.is_(None))
        live_parent.append(and_(table.c.parent_type == name, alive))
    return and_(table.c.status == "ready", or_(*live_parent))


async def set_upload_id(session: AsyncSession, attachment_id: uuid.UUID, upload_id: str) -> None:
    """Note the multipart upload a pending file is sent in (bookkeeping of the upload, not
    a change of the record: no new version, no event)."""
    await session.execute(
        update(Attachment).where(Attachment.id == attachment_id).values(upload_id=upload_id)
    )
