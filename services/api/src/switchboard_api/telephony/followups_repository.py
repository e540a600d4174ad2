"""Every SQL statement of the work around a call: who calls back, open call-back tasks, the
contact's open deal, and the calls a reconciliation already has."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.calls import Call
from switchboard_api.db.contacts import Contact
from switchboard_api.db.deals import Deal
from switchboard_api.db.phone_lines import PhoneLine
from switchboard_api.db.tasks import Task
from switchboard_api.db.users import User
from switchboard_api.lifecycle.repository import Row

USERS = cast(Table, User.__table__)
CONTACTS = cast(Table, Contact.__table__)
LINES = cast(Table, PhoneLine.__table__)
TASKS = cast(Table, Task.__table__)
DEALS = cast(Table, Deal.__table__)
CALLS = cast(Table, Call.__table__)

OPEN_TASK_STATUSES = ("open", "in_progress")
CLOSED_DEAL_STAGES = ("won", "lost")


async def contact_owner(session: AsyncSession, contact_id: uuid.UUID) -> uuid.UUID | None:
    """The owner of a live contact, if that employee is active."""
    stmt = (
        select(USERS.c.id)
        .join(CONTACTS, CONTACTS.c.owner_id == USERS.c.id)
        .where(CONTACTS.c.id == contact_id, CONTACTS.c.deleted_at.is_(None))
        .where(USERS.c.deleted_at.is_(None), USERS.c.is_active.is_(True))
    )
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def line_responsible(session: AsyncSession, line_id: uuid.UUID) -> uuid.UUID | None:
    """The responsible employee of a live company line, if active."""
    stmt = (
        select(USERS.c.id)
        .join(LINES, LINES.c.responsible_id == USERS.c.id)
        .where(LINES.c.id == line_id, LINES.c.deleted_at.is_(None))
        .where(USERS.c.deleted_at.is_(None), USERS.c.is_active.is_(True))
    )
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def least_busy_supervisor(session: AsyncSession) -> uuid.UUID | None:
    """The active supervisor with the fewest open tasks (the longest-serving on a tie)."""
    open_tasks = (
        select(func.count())
        .select_from(TASKS)
        .where(
            TASKS.c.assignee_id == USERS.c.id,
            TASKS.c.deleted_at.is_(None),
            TASKS.c.status.in_(OPEN_TASK_STATUSES),
        )
        .scalar_subquery()
    )
    stmt = (
        select(USERS.c.id)
        .where(
            USERS.c.role == "supervisor",
            USERS.c.deleted_at.is_(None),
            USERS.c.is_active.is_(True),
        )
        .order_by(open_tasks, USERS.c.created_at, USERS.c.id)
        .limit(1)
    )
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def lock_callback_number(session: AsyncSession, number: str) -> None:
    """Serialize, until commit, every change to the call-back tasks of one number."""
    lock_id = func.hashtextextended(f"sb:callback:{number}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(lock_id)))


async def open_callback_tasks(session: AsyncSession, number: str) -> list[Row]:
    """Live, open call-back tasks for this E.164 number, locked."""
    stmt = (
        select(TASKS)
        .where(
            TASKS.c.callback_number == number,
            TASKS.c.deleted_at.is_(None),
            TASKS.c.status.in_(OPEN_TASK_STATUSES),
        )
        .with_for_update()
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


async def open_deal_of(session: AsyncSession, contact_id: uuid.UUID) -> uuid.UUID | None:
    """The contact's live deal still in play (the most recently changed one)."""
    stmt = (
        select(DEALS.c.id)
        .where(
            DEALS.c.contact_id == contact_id,
            DEALS.c.deleted_at.is_(None),
            DEALS.c.stage.not_in(CLOSED_DEAL_STAGES),
        )
        .order_by(DEALS.c.updated_at.desc(), DEALS.c.id)
        .limit(1)
    )
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def known_entries(
    session: AsyncSession, provider: str, entry_ids: Collection[str]
) -> set[str]:
    """Which of these provider call ids already have a call (live or trashed)."""
    if not entry_ids:
        return set()
    stmt = select(CALLS.c.provider_call_id).where(
        CALLS.c.provider == provider, CALLS.c.provider_call_id.in_(list(entry_ids))
    )
    return {str(r) for r in (await session.execute(stmt)).scalars().all()}
