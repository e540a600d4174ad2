"""The users entity type: valid emails, hashed passwords, auth cache kept in step."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from switchboard_api.auth.cache import forget_user
from switchboard_api.auth.passwords import hash_password
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.revocation import end_access_when_written
from switchboard_api.avatars.rules import avatar_url
from switchboard_api.db.users import User as UserRow
from switchboard_api.errors import Conflict, FieldError
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import normalize_email
from switchboard_api.telephony.pbx_sync_hooks import member_changed
from switchboard_api.users.schemas import Role, User, UserCreate, UserUpdate

if TYPE_CHECKING:
    from switchboard_api.platform.unit_of_work import UnitOfWork


def _refuse_self_lockout(values: dict[str, Any], ctx: WriteContext) -> None:
    """An admin cannot demote or deactivate their own account (ask another admin)."""
    current = ctx.current
    if current is None or current["id"] != ctx.principal.user_id:
        return
    if current["role"] == "admin" and values.get("role", "admin") != "admin":
        raise Conflict(
            "you cannot take the admin role from your own account",
            errors=[FieldError(field="role", message="ask another admin")],
        )
    if values.get("is_active") is False:
        raise Conflict(
            "you cannot deactivate your own account",
            errors=[FieldError(field="is_active", message="ask another admin")],
        )


def prepare_user(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """Normalize the email; replace a given password by its argon2 hash; no self-lockout."""
    _refuse_self_lockout(values, ctx)
    if "email" in values:
        values["email"] = normalize_email(values["email"], "email")
    password = values.pop("password", None)
    if password is not None:
        values["password_hash"] = hash_password(password)
    return values


def user_output(values: dict[str, Any]) -> dict[str, Any]:
    """The read schema's view: the avatar's URL, never the file behind it."""
    avatar_id = values.get("avatar_id")
    values["avatar_url"] = avatar_url(values["id"], avatar_id) if avatar_id else None
    return values


def guard_user(action: str, current: Mapping[str, Any], principal: Principal) -> None:
    """Nobody trashes or purges their own account (that is how the last admin vanishes)."""
    if action in {"trash", "purge"} and current["id"] == principal.user_id:
        raise Conflict(f"you cannot {action} your own account")


def user_changed(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """Once the change commits, authentication re-reads the user (role, active, trash),
    and the user's PBX member is brought in step (a worker job)."""
    uow.after_commit(functools.partial(forget_user, uow.resources.redis, user_id))
    member_changed(uow, user_id)


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
    to_output=user_output,
    on_change=user_changed,
    guard=guard_user,
    on_written=end_access_when_written,
)
"""Users in the generic lifecycle."""
