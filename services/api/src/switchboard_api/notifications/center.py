"""The notification center's decisions: an employee sees, counts and marks only their own
notifications, and chooses the kinds they get."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.principal import Principal
from switchboard_api.errors import NotFound
from switchboard_api.lifecycle.cursor import decode_cursor, encode_cursor
from switchboard_api.notifications.repository import NotificationRepository
from switchboard_api.notifications.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationPreferences,
    UnreadCount,
)
from switchboard_api.notifications.service import to_notification
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session

SORT = "-created_at"


class NotificationReader:
    """Reads of the caller's own notifications."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], principal: Principal) -> None:
        self.sessions = sessions
        self.user_id = principal.user_id

    async def page(self, cursor: str | None, limit: int, *, unread_only: bool) -> NotificationPage:
        """A page, newest first."""
        after = decode_cursor(cursor, SORT, datetime) if cursor else None
        async with read_session(self.sessions) as session:
            rows = await NotificationRepository(session).page(
                self.user_id, after, limit + 1, unread_only=unread_only
            )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor(SORT, last["created_at"].isoformat(), last["id"])
        return NotificationPage(items=[to_notification(r) for r in rows], next_cursor=next_cursor)

    async def unread(self) -> UnreadCount:
        """How many are unread."""
        async with read_session(self.sessions) as session:
            return UnreadCount(
                unread=await NotificationRepository(session).unread_count(self.user_id)
            )

    async def preferences(self) -> NotificationPreferences:
        """The kinds switched off."""
        async with read_session(self.sessions) as session:
            kinds = await NotificationRepository(session).disabled_kinds(self.user_id)
        return NotificationPreferences(disabled_kinds=kinds)  # type: ignore[arg-type]


class NotificationCenter:
    """Changes to the caller's own notifications, in the request's transaction."""

    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self.repo = NotificationRepository(uow.session)
        self.user_id = principal.user_id

    async def mark_read(self, notification_id: uuid.UUID | None) -> MarkedRead:
        """Mark one (404 if it is not the caller's) or all read."""
        if notification_id is not None and not await self.repo.exists(
            self.user_id, notification_id
        ):
            raise NotFound(f"no notification {notification_id}")
        marked = await self.repo.mark_read(self.user_id, notification_id)
        return MarkedRead(marked=marked, unread=await self.repo.unread_count(self.user_id))

    async def set_preferences(self, wanted: NotificationPreferences) -> NotificationPreferences:
        """Replace the kinds switched off."""
        await self.repo.set_disabled_kinds(self.user_id, wanted.disabled_kinds)
        kinds = await self.repo.disabled_kinds(self.user_id)
        return NotificationPreferences(disabled_kinds=kinds)  # type: ignore[arg-type]
