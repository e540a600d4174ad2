"""The calls' own queries beyond the generic lifecycle: an employee's answered calls that
still wait for their wrap-up."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.calls.entity import MANUAL_PROVIDER
from switchboard_api.db.calls import Call
from switchboard_api.db.contacts import Contact
from switchboard_api.db.deals import Deal
from switchboard_api.lifecycle.repository import Row
from switchboard_api.telephony.followups_repository import CLOSED_DEAL_STAGES

CALLS = cast(Table, Call.__table__)
CONTACTS = cast(Table, Contact.__table__)
DEALS = cast(Table, Deal.__table__)


def awaiting_wrap_up_condition() -> ColumnElement[bool]:
    """A live call the PBX reported answered and ended, with a customer (not a colleague),
    not wrapped up yet: the predicate of the partial index ``ix_calls_awaiting_wrap_up``
    (a query must state it whole for PostgreSQL to use that index)."""
    c = CALLS.c
    # Literals, not bound parameters: a generic plan cannot tell that a parameter matches
    # the index's predicate.
    return and_(
        c.wrapped_up_at.is_(None),
        c.answered_at.is_not(None),
        c.is_final,
        c.deleted_at.is_(None),
        c.direction != literal_column("'internal'"),
        c.provider != literal_column(f"'{MANUAL_PROVIDER}'"),
    )


def awaiting_wrap_up_query(
    employee_id: uuid.UUID, ended_since: datetime, limit: int
) -> Select[Any]:
    """The employee's calls awaiting a wrap-up that ended at or after ``ended_since``, the
    most recent first, each with its contact's name and the contact's open deal (the one the
    wrap-up would link: the most recently changed deal still in play)."""
    c = CALLS.c
    deal = (
        select(DEALS.c.id.label("deal_id"), DEALS.c.title.label("deal_title"))
        .where(
            DEALS.c.contact_id == c.contact_id,
            DEALS.c.deleted_at.is_(None),
            DEALS.c.stage.not_in(CLOSED_DEAL_STAGES),
        )
        .order_by(DEALS.c.updated_at.desc(), DEALS.c.id)
        .limit(1)
        .lateral("open_deal")
    )
    contact = CONTACTS.alias("contact")
    return (
        select(
            c.id.label("call_id"),
            c.direction,
            c.from_number,
            c.to_number,
            c.talk_seconds,
            c.ended_at,
            contact.c.id.label("contact_id"),
            contact.c.name.label("contact_name"),
            deal.c.deal_id,
            deal.c.deal_title,
        )
        .select_from(CALLS)
        .outerjoin(contact, and_(contact.c.id == c.contact_id, contact.c.deleted_at.is_(None)))
        .outerjoin(deal, true())
        .where(awaiting_wrap_up_condition(), c.employee_id == employee_id)
        .where(c.ended_at >= ended_since)
        .order_by(c.ended_at.desc(), c.id.desc())
        .limit(limit)
    )


async def awaiting_wrap_up(
    session: AsyncSession, employee_id: uuid.UUID, ended_since: datetime, limit: int
) -> list[Row]:
    """See :func:`awaiting_wrap_up_query`."""
    stmt = awaiting_wrap_up_query(employee_id, ended_since, limit)
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]
