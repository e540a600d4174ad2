"""Import point for every model, so Alembic and the app see the whole metadata."""

from __future__ import annotations

from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.db.base import Base
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.users import User

__all__ = ["ApiToken", "Base", "EntityEvent", "User"]
