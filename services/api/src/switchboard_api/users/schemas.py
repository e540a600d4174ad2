"""User schemas: User / UserCreate / UserUpdate. The password is write-only."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from switchboard_api.lifecycle.schemas import RecordFields

Role = Literal["admin", "supervisor", "agent"]
Email = Annotated[str, Meta(min_length=3, max_length=320, description="Login email.")]
FullName = Annotated[str, Meta(min_length=1, max_length=200)]
Extension = Annotated[str, Meta(pattern=r"^[0-9]{2,8}$", description="PBX extension.")] | None
Password = Annotated[
    str,
    Meta(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="Write-only; stored as an argon2 hash.",
    ),
]


class User(RecordFields, kw_only=True):
    """An employee account (never with its password)."""

    email: str
    full_name: str
    role: Role
    extension: str | None
    is_active: bool
    #: Where the user's avatar is (add ``?size=small`` or ``large``: a square JPEG), or
    #: null: show initials. A new avatar has a new URL.
    avatar_url: str | None


class UserCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new employee account; without a password it cannot sign in yet."""

    email: Email
    full_name: FullName
    role: Role = "agent"
    extension: Extension = None
    is_active: bool = True
    password: Password | None = None


class UserUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an employee account."""

    email: Email | UnsetType = UNSET
    full_name: FullName | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    extension: Extension | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    password: Password | UnsetType = UNSET
