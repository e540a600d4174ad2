"""Preference decisions: an employee reads and changes only their own; a change names the
version it is based on and reaches the employee's other open tabs once it commits."""

from __future__ import annotations

import uuid

import msgspec
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.principal import Principal
from switchboard_api.errors import PreconditionFailed, PreconditionRequired
from switchboard_api.lifecycle.service import ANY_VERSION
from switchboard_api.lifecycle.validation import invalid
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session
from switchboard_api.preferences.repository import PreferencesRepository
from switchboard_api.preferences.schemas import (
    LANGUAGES,
    PREFERENCES_CHANGED,
    THEMES,
    Preferences,
    PreferencesChange,
)
from switchboard_api.realtime.channels import personal_channel


async def read_preferences(
    sessions: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> Preferences:
    """An employee's preferences, read outside any transaction of ours."""
    async with read_session(sessions) as session:
        return await PreferencesRepository(session).get(user_id)


def wanted_values(change: PreferencesChange) -> dict[str, str | None]:
    """The columns a change sets, or a 422 naming the first field whose value is not one
    of its choices."""
    values: dict[str, str | None] = {}
    if change.language is not UNSET:
        if change.language is not None and change.language not in LANGUAGES:
            raise invalid("language", f"must be one of: {', '.join(LANGUAGES)} (or null)")
        values["language"] = change.language
    if change.theme is not UNSET:
        if change.theme not in THEMES:
            raise invalid("theme", f"must be one of: {', '.join(THEMES)}")
        values["theme"] = change.theme
    return values


class PreferencesService:
    """The caller's own preferences, in the request's transaction."""

    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self.uow = uow
        self.repo = PreferencesRepository(uow.session)
        self.user_id: uuid.UUID = principal.user_id

    async def change(self, if_match: int | None, change: PreferencesChange) -> Preferences:
        """Apply ``change`` to the version ``if_match`` names (428 without one, 412 if it
        is no longer current); a change that changes nothing keeps the version."""
        if if_match is None:
            raise PreconditionRequired("send If-Match with the preferences' version")
        values = wanted_values(change)
        current = await self.repo.lock(self.user_id)
        if if_match not in (ANY_VERSION, current.version):
            raise PreconditionFailed(
                f"the preferences are now at version {current.version}",
                headers={"ETag": f'"{current.version}"'},
            )
        if all(getattr(current, name) == value for name, value in values.items()):
            return current
        saved = await self.repo.change(self.user_id, values)
        self.uow.publish(
            personal_channel(self.user_id),
            PREFERENCES_CHANGED,
            msgspec.json.encode(saved).decode(),
        )
        return saved
