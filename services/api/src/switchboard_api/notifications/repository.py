"""Every query of notifications: storing them (once per occasion, only for employees who
want the kind), pages, counts, marking read, preferences and the due-time scan."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    any_,
    cast,
    delete,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import Table

from switchboard_api.db.contacts import Contact
from switchboard_api.db.notifications import Notification, NotificationPreference
from switchboard_api.db.tasks import Task
from switchboard_api.db.users import User
from switchboard_api.notifications.schemas import NewNotification


def cast_table(model: type[Any]) -> Table:
    """A model's table, typed as one (``__table__`` is only a FromClause to mypy)."""
    table: Table = model.__table__
    return table


N = cast_table(Notification)
P = cast_table(NotificationPreference)
U = cast_table(User)
T = cast_table(Task)
Row = dict[str, Any]


def _wanted(kind: Any, user_id: Any) -> Any:
    """The employee exists, is active and has not switched ``kind`` off."""
    switched_off = exists().where(P.c.user_id == user_id, kind == any_(P.c.disabled_kinds))
    return and_(U.c.is_active, U.c.deleted_at.is_(None), not_(switched_off))


def _returning(stmt: Any) -> Any:
    return stmt.on_conflict_do_nothing(constraint="uq_notifications_user_dedupe").returning(*N.c)


class NotificationRepository:
    """Notifications in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, stmt: Any, params: Any = None) -> list[Row]:
        result = await self.session.execute(stmt, params)
        return [{str(k): v for k, v in m.items()} for m in result.mappings().all()]

    async def store(self, recipients: Sequence[uuid.UUID], new: NewNotification) -> list[Row]:
        """One notification per recipient who wants its kind, unless they already have one
        with its ``dedupe_key``; the rows stored."""
        if not recipients:
            return []
        kind = literal(new.kind, String)
        source = select(
            U.c.id,
            kind,
            literal(new.title[:300], String),
            literal(new.body),
            literal(new.record_type, String),
            literal(new.record_id),
            literal(new.source_id),
            literal(new.actor_id),
            literal(new.dedupe_key[:200], String),
        ).where(U.c.id.in_(list(set(recipients))), _wanted(kind, U.c.id))
        columns = [
            "user_id",
            "kind",
            "title",
            "body",
            "record_type",
            "record_id",
            "source_id",
            "actor_id",
            "dedupe_key",
        ]
        return await self._rows(_returning(pg_insert(N).from_select(columns, source)))

    async def store_due_tasks(
        self, kind: str, due_from: datetime, due_to: datetime, *, include_end: bool
    ) -> list[Row]:
        """A ``kind`` notification for the assignee of every open task due in
        ``(due_from, due_to)`` (``include_end``: up to ``due_to`` itself), once per task and
        due time (``ix_tasks_due_open``)."""
        due_key = func.concat(
            kind,
            ":",
            cast(T.c.id, String),
            ":",
            cast(func.floor(func.extract("epoch", T.c.due_at)), String),
        )
        upper = T.c.due_at <= due_to if include_end else T.c.due_at < due_to
        source = (
            select(
                T.c.assignee_id,
                literal(kind, String),
                T.c.title,
                literal("tasks", String),
                T.c.id,
                T.c.id,
                due_key,
            )
            .join(U, U.c.id == T.c.assignee_id)
            .where(
                T.c.status.in_(("open", "in_progress")),
                T.c.deleted_at.is_(None),
                T.c.assignee_id.is_not(None),
                T.c.due_at > due_from,
                upper,
                _wanted(literal(kind, String), T.c.assignee_id),
            )
        )
        columns = [
            "user_id",
            "kind",
            "title",
            "record_type",
            "record_id",
            "source_id",
            "dedupe_key",
        ]
        return await self._rows(_returning(pg_insert(N).from_select(columns, source)))

    async def page(
        self,
        user_id: uuid.UUID,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        *,
        unread_only: bool,
    ) -> list[Row]:
        """The employee's notifications, newest first (``ix_notifications_user_created``)."""
        stmt = select(N).where(N.c.user_id == user_id)
        if unread_only:
            stmt = stmt.where(N.c.read_at.is_(None))
        if after is not None:
            stmt = stmt.where(tuple_(N.c.created_at, N.c.id) < tuple_(*after))
        stmt = stmt.order_by(N.c.created_at.desc(), N.c.id.desc()).limit(limit)
        return await self._rows(stmt)

    async def unread_count(self, user_id: uuid.UUID) -> int:
        """How many unread (``ix_notifications_unread``)."""
        stmt = select(func.count()).where(N.c.user_id == user_id, N.c.read_at.is_(None))
        return int((await self.session.execute(stmt)).scalar_one())

    async def exists(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> bool:
        """Whether the employee has this notification."""
        stmt = select(N.c.id).where(N.c.id == notification_id, N.c.user_id == user_id)
        return (await self.session.execute(stmt)).first() is not None

    async def mark_read(self, user_id: uuid.UUID, notification_id: uuid.UUID | None) -> int:
        """Mark one (or, with ``None``, every) unread notification of the employee read."""
        stmt = update(N).where(N.c.user_id == user_id, N.c.read_at.is_(None))
        if notification_id is not None:
            stmt = stmt.where(N.c.id == notification_id)
        result = await self.session.execute(stmt.values(read_at=func.now()))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def disabled_kinds(self, user_id: uuid.UUID) -> list[str]:
        """The kinds the employee switched off."""
        stmt = select(P.c.disabled_kinds).where(P.c.user_id == user_id)
        return list((await self.session.execute(stmt)).scalar_one_or_none() or [])

    async def set_disabled_kinds(self, user_id: uuid.UUID, kinds: Sequence[str]) -> None:
        """Replace the kinds the employee switched off."""
        values = {
            "user_id": user_id,
            "disabled_kinds": sorted(set(kinds)),
            "updated_at": func.now(),
        }
        stmt = pg_insert(P).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[P.c.user_id],
            set_={"disabled_kinds": stmt.excluded.disabled_kinds, "updated_at": func.now()},
        )
        await self.session.execute(stmt)

    async def contact_brief(self, contact_id: uuid.UUID) -> tuple[str, uuid.UUID | None] | None:
        """The contact's name and owner (None: no such contact)."""
        stmt = select(Contact.name, Contact.owner_id).where(Contact.id == contact_id)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1])

    async def user_name(self, user_id: uuid.UUID) -> str | None:
        """An employee's full name."""
        stmt = select(U.c.full_name).where(U.c.id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def forget_record(self, record_id: uuid.UUID) -> None:
        """Delete every notification about, or caused by, a record deleted for good (their
        titles quote it; ``ix_notifications_record``, ``ix_notifications_source``)."""
        await self.session.execute(
            delete(N).where(or_(N.c.record_id == record_id, N.c.source_id == record_id))
        )
