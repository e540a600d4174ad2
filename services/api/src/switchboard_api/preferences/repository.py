"""Every query of user preferences."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.preferences import UserPreference
from switchboard_api.preferences.schemas import DEFAULTS, Preferences

_COLUMNS = (UserPreference.language, UserPreference.theme, UserPreference.version)


def _preferences(row: Any) -> Preferences:
    return Preferences(language=row.language, theme=row.theme, version=row.version)


class PreferencesRepository:
    """User preferences in the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> Preferences:
        """The employee's preferences (the defaults if they never changed any)."""
        stmt = select(*_COLUMNS).where(UserPreference.user_id == user_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return DEFAULTS if row is None else _preferences(row)

    async def lock(self, user_id: uuid.UUID) -> Preferences:
        """The employee's preferences, locked until the transaction ends (the defaults'
        row is made first, so two first changes at once still meet on one row)."""
        await self.session.execute(
            pg_insert(UserPreference).values(user_id=user_id).on_conflict_do_nothing()
        )
        stmt = select(*_COLUMNS).where(UserPreference.user_id == user_id).with_for_update()
        return _preferences((await self.session.execute(stmt)).one())

    async def change(self, user_id: uuid.UUID, values: dict[str, str | None]) -> Preferences:
        """Write ``values`` as the next version."""
        stmt = (
            update(UserPreference)
            .where(UserPreference.user_id == user_id)
            .values(**values, version=UserPreference.version + 1, updated_at=func.now())
            .returning(*_COLUMNS)
        )
        return _preferences((await self.session.execute(stmt)).one())
