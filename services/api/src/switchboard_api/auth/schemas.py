"""Request and response bodies of the auth routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from switchboard_api.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from switchboard_api.preferences.schemas import Preferences

Email = Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Email and password."""

    email: Email
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    """The current password (proof it is really you) and the new one."""

    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    new_password: Annotated[
        str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ]


class Me(msgspec.Struct, kw_only=True):
    """The signed-in employee (with their avatar's address, as the employee directory shows
    it: ``null`` without one), the CSRF token cookie-authenticated writes must send as
    ``X-CSRF-Token`` (``null`` when authenticated with an API token), and their interface
    preferences (so any browser applies them at sign-in)."""

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    extension: str | None
    avatar_url: str | None
    csrf_token: str | None
    preferences: Preferences


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new personal API token: a name to recognise it and an optional expiry."""

    name: TokenName
    expires_at: datetime | None = None


class Token(msgspec.Struct):
    """A personal API token as listed (never with its secret)."""

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class TokenCreated(Token):
    """The token just created; ``token`` is shown this once and never again."""

    token: str
