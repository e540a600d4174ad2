"""The users entity type: valid emails, hashed passwords, auth cache kept in step."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from switchboard_api.auth.cache import forget_user
from switchboard_api.auth.passwords import hash_password
from switchboard_api.db.users import User as UserRow
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import normalize_email
from switchboard_api.telephony.hooks import member_changed
from switchboard_api.users.schemas import Role, User, UserCreate, UserUpdate


def prepare_user(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """Normalize the email; replace a given password by its argon2 hash."""
    if "email" in values:
        values["email"] = normalize_email(values["email"], "email")
    password = values.pop("password", None)
    if password is not None:
        values["password_hash"] = hash_password(password)
    return values


async def forget_cached_user(redis: Redis, user_id: uuid.UUID) -> None:
    """After a committed change, authentication re-reads the user (role, active, trash),
    and the user's PBX member is brought in step (a worker job)."""
    await forget_user(redis, user_id)
    await member_changed(redis, user_id)


USERS = EntityType(
    name="users",
    model=UserRow,
    read=User,
    create=UserCreate,
    update=UserUpdate,
    sortable=("created_at", "updated_at", "full_name", "email"),
    default_sort="full_name",
    filters=(
        Filter("role", Role, "Only users with this role."),
        Filter("is_active", bool, "Only active (or inactive) users."),
    ),
    prepare=prepare_user,
    redacted=frozenset({"password_hash"}),
    after_commit=forget_cached_user,
)
"""Users in the generic lifecycle."""
