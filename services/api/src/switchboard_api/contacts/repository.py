"""Contact queries beyond the generic lifecycle."""

from __future__ import annotations

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.contacts import Contact
from switchboard_api.lifecycle.repository import Row

LOOKUP_LIMIT = 20


async def live_contacts_with_phone(session: AsyncSession, e164: str) -> list[Row]:
    """Live contacts having this E.164 number (GIN index on ``phone_numbers``)."""
    table = Contact.__table__
    assert isinstance(table, Table)
    stmt = (
        select(table)
        .where(table.c.phone_numbers.contains([e164]), table.c.deleted_at.is_(None))
        .order_by(table.c.created_at, table.c.id)
        .limit(LOOKUP_LIMIT)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]
