"""Every query of the timeline: one keyset-paged, index-backed select per kind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.calls import Call
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.notes import Note
from switchboard_api.db.tasks import Task
from switchboard_api.lifecycle.repository import Row


@dataclass(frozen=True, slots=True)
class After:
    """Where a page continues, as one kind sees it: items strictly older than ``at``, or
    at ``at`` itself (``inclusive``) when the kind sorts before the cursor's kind, or
    ``(at, id) < (at, id)`` for the cursor's own kind (``id`` set)."""

    at: datetime
    inclusive: bool = False
    id: Any = None


def _older(at_column: Any, id_column: Any, after: After | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    if after.id is not None:
        return [tuple_(at_column, id_column) < tuple_(after.at, after.id)]
    return [at_column <= after.at if after.inclusive else at_column < after.at]


class TimelineRepository:
    """Reads the items of one record's timeline, newest first (``limit`` of each kind)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, stmt: Select[Any]) -> list[Row]:
        result = await self.session.execute(stmt)
        return [{str(k): v for k, v in m.items()} for m in result.mappings().all()]

    async def calls(self, contact_id: uuid.UUID, after: After | None, limit: int) -> list[Row]:
        """Live calls with the contact (``ix_calls_timeline``)."""
        t = Call.__table__
        stmt = (
            select(t)
            .where(
                t.c.contact_id == contact_id,
                t.c.deleted_at.is_(None),
                *_older(t.c.created_at, t.c.id, after),
            )
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        return await self._rows(stmt)

    async def related(
        self,
        model: type[Note] | type[Task],
        record: tuple[str, uuid.UUID],
        after: After | None,
        limit: int,
    ) -> list[Row]:
        """Live notes or tasks about the record (``ix_notes_timeline``, ``ix_tasks_timeline``)."""
        t = model.__table__
        stmt = (
            select(t)
            .where(
                and_(t.c.related_type == record[0], t.c.related_id == record[1]),
                t.c.deleted_at.is_(None),
                *_older(t.c.created_at, t.c.id, after),
            )
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        return await self._rows(stmt)

    async def changes(
        self, record: tuple[str, uuid.UUID], after: After | None, limit: int
    ) -> list[EntityEvent]:
        """The record's own events (``ix_entity_events_timeline``)."""
        e = EntityEvent
        stmt = (
            select(e)
            .where(
                e.entity_type == record[0],
                e.entity_id == record[1],
                *_older(e.occurred_at, e.id, after),
            )
            .order_by(e.occurred_at.desc(), e.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars().all())
