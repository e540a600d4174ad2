"""Queries on number list entries."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.number_lists import NumberListEntry
from switchboard_api.lifecycle.repository import Row

ENTRIES = cast(Table, NumberListEntry.__table__)


def _one(row: Any) -> Row | None:
    return None if row is None else dict(row)


async def find_entry(session: AsyncSession, list_id: uuid.UUID, number: str) -> Row | None:
    """The list's entry for this E.164 number, if any."""
    stmt = select(ENTRIES).where(ENTRIES.c.list_id == list_id, ENTRIES.c.number == number)
    return _one((await session.execute(stmt)).mappings().one_or_none())


async def get_entry(session: AsyncSession, list_id: uuid.UUID, entry_id: uuid.UUID) -> Row | None:
    """One entry of this list, if it exists."""
    stmt = select(ENTRIES).where(ENTRIES.c.list_id == list_id, ENTRIES.c.id == entry_id)
    return _one((await session.execute(stmt)).mappings().one_or_none())


async def add_entry(
    session: AsyncSession,
    *,
    entry_id: uuid.UUID,
    list_id: uuid.UUID,
    number: str,
    comment: str | None,
    actor: uuid.UUID,
) -> Row:
    """Insert an entry and return it."""
    stmt = (
        insert(ENTRIES)
        .values(id=entry_id, list_id=list_id, number=number, comment=comment, created_by=actor)
        .returning(*ENTRIES.c)
    )
    return dict((await session.execute(stmt)).mappings().one())


async def remove_entry(
    session: AsyncSession, list_id: uuid.UUID, entry_id: uuid.UUID
) -> Row | None:
    """Delete an entry of this list; the deleted row, or None if there was none."""
    stmt = (
        delete(ENTRIES)
        .where(ENTRIES.c.list_id == list_id, ENTRIES.c.id == entry_id)
        .returning(*ENTRIES.c)
    )
    return _one((await session.execute(stmt)).mappings().one_or_none())


async def page_entries(
    session: AsyncSession, list_id: uuid.UUID, after: str | None, limit: int
) -> list[Row]:
    """Up to ``limit + 1`` entries in number order, after the number ``after``."""
    stmt = select(ENTRIES).where(ENTRIES.c.list_id == list_id)
    if after is not None:
        stmt = stmt.where(ENTRIES.c.number > after)
    stmt = stmt.order_by(ENTRIES.c.number).limit(limit + 1)
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]
