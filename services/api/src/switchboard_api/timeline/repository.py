"""Every query of the timeline: one statement per page, a keyset-paged, index-backed select
per kind (``ix_calls_timeline``, ``ix_notes_timeline``, ``ix_tasks_timeline``,
``ix_entity_events_timeline``) merged in PostgreSQL, so a page is one round trip and only its
own rows cross the wire."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    cast,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import Table

from switchboard_api.db.calls import Call
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.notes import Note
from switchboard_api.db.tasks import Task

#: Event ids padded to this width sort as text as they do as numbers.
KEY_WIDTH = 20


@dataclass(frozen=True, slots=True)
class After:
    """Where a page continues, as one kind sees it: items strictly older than ``at``, or
    at ``at`` itself (``inclusive``) when the kind sorts before the cursor's kind, or
    ``(at, id) < (at, id)`` for the cursor's own kind (``id`` set)."""

    at: datetime
    inclusive: bool = False
    id: Any = None


@dataclass(frozen=True, slots=True)
class CallsOf:
    """The calls a timeline shows: those with ``contact_id``, from ``since`` on."""

    contact_id: uuid.UUID
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One item as stored: its kind, time, sort key and the row as JSON text."""

    kind: str
    at: datetime
    key: str
    doc: str


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _older(at_column: Any, id_column: Any, after: After | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    if after.id is not None:
        return [tuple_(at_column, id_column) < tuple_(after.at, after.id)]
    return [at_column <= after.at if after.inclusive else at_column < after.at]


def _newest(  # noqa: PLR0917 - one select, its parts named in order
    kind: str, table: Table, at: Any, key: Any, where: list[Any], after: After | None, limit: int
) -> Select[Any]:
    """The kind's newest ``limit`` rows after ``after``, as (kind, at, key, doc)."""
    return (
        select(
            literal(kind, String).label("kind"),
            at.label("at"),
            key.label("key"),
            cast(func.to_jsonb(literal_column(table.name)), Text).label("doc"),
        )
        .where(*where, *_older(at, table.c.id, after))
        .order_by(at.desc(), table.c.id.desc())
        .limit(limit)
    )


class TimelineRepository:
    """Reads one page of a record's timeline."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        record: tuple[str, uuid.UUID],
        kinds: Sequence[str],
        after: dict[str, After | None],
        limit: int,
        *,
        calls: CallsOf | None,
    ) -> list[TimelineRow]:
        """The newest ``limit`` items of the ``kinds`` asked for, newest first (ties: kind,
        then id, descending); calls are those ``calls`` names."""
        parts = [
            part
            for kind in kinds
            if (part := self._part(kind, record, after.get(kind), limit, calls)) is not None
        ]
        if not parts:
            return []
        merged = union_all(*(select(p.subquery()) for p in parts)).subquery()
        stmt = (
            select(merged)
            .order_by(
                merged.c.at.desc(),
                merged.c.kind.collate("C").desc(),
                merged.c.key.collate("C").desc(),
            )
            .limit(limit)
        )
        result = await self.session.execute(stmt)
        return [TimelineRow(r.kind, r.at, r.key, r.doc) for r in result]

    @staticmethod
    def _part(
        kind: str,
        record: tuple[str, uuid.UUID],
        after: After | None,
        limit: int,
        calls: CallsOf | None,
    ) -> Select[Any] | None:
        record_type, record_id = record
        if kind == "call":
            if calls is None:
                return None
            t = _table(Call)
            live = [t.c.contact_id == calls.contact_id, t.c.deleted_at.is_(None)]
            if calls.since is not None:
                live.append(t.c.created_at >= calls.since)
            return _newest(kind, t, t.c.created_at, cast(t.c.id, Text), live, after, limit)
        if kind in {"note", "task"}:
            t = _table(Note if kind == "note" else Task)
            about = [
                t.c.related_type == record_type,
                t.c.related_id == record_id,
                t.c.deleted_at.is_(None),
            ]
            return _newest(kind, t, t.c.created_at, cast(t.c.id, Text), about, after, limit)
        e = _table(EntityEvent)
        own = [e.c.entity_type == record_type, e.c.entity_id == record_id]
        key = func.lpad(cast(e.c.id, Text), KEY_WIDTH, "0")
        return _newest(kind, e, e.c.occurred_at, key, own, after, limit)
