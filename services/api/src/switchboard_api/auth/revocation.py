"""Throwing an employee out at once: a password reset by an admin, a disable, a role change
or a trash ends every session of the user, revokes every API token (in the same
transaction) and closes their open realtime connections. Re-enabling the account later
revives none of them: the user signs in again."""

from __future__ import annotations

import uuid

from switchboard_api.auth import cache, repository
from switchboard_api.auth.sessions import DISABLED, ROLE_CHANGED, end_user_sessions
from switchboard_api.lifecycle.registry import RecordChange
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.realtime.termination import close_user_connections


def ends_access(written: RecordChange) -> bool:
    """Whether this new version of a user must end what their old credentials opened."""
    if written.action == "trashed":
        return True
    if written.action != "updated":
        return False
    before, after = written.before, written.after
    return (
        before["password_hash"] != after["password_hash"]
        or before["role"] != after["role"]
        or (bool(before["is_active"]) and not after["is_active"])
    )


def ended_because(written: RecordChange) -> str | None:
    """What the employee is told when their open page finds its session ended: the account
    was disabled (or trashed), or the role changed; a password reset says nothing more."""
    if written.action == "trashed":
        return DISABLED
    before, after = written.before, written.after
    if bool(before["is_active"]) and not after["is_active"]:
        return DISABLED
    if before["role"] != after["role"]:
        return ROLE_CHANGED
    return None


async def end_access_when_written(written: RecordChange) -> None:
    """The users type's ``on_written`` hook. An admin resetting their own password keeps
    the session they did it from (as a password change does) and their open pages."""
    if written.action == "created" or not ends_access(written):
        return
    user_id: uuid.UUID = written.after["id"]
    keep = written.actor_session if written.actor == user_id else None
    await end_access(written.uow, user_id, keep_session=keep, reason=ended_because(written))


async def end_access(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    *,
    keep_session: str | None = None,
    reason: str | None = None,
) -> None:
    """Revoke the user's tokens in ``uow``'s transaction; once it commits, end their
    sessions (but ``keep_session``) and close their realtime connections (unless a session
    is kept: those connections are the caller's own)."""
    revoked = await repository.revoke_all_tokens(uow.session, user_id)
    resources = uow.resources
    redis = resources.redis

    async def after_commit() -> None:
        for digest in revoked:
            await cache.forget_token(redis, digest)
        await end_user_sessions(redis, user_id, keep=keep_session, reason=reason)
        if keep_session is None:
            await close_user_connections(resources, user_id)

    uow.after_commit(after_commit)
