"""A user stops showing an avatar whose file goes to the trash, however it goes there: the
files' own ``DELETE``, ``DELETE /users/{id}/avatar`` (which then purges it), a purge of the
user. Restoring the file later does not make it the avatar again."""

from __future__ import annotations

from switchboard_api.avatars.rules import AVATAR_OWNER
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.registry import RecordChange
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.users.entity import USERS


async def forget_trashed_avatar(change: RecordChange) -> None:
    """The files' ``on_written`` hook: a user's current avatar moved to the trash is no
    longer their avatar, a write of the user by whoever trashed it (so ``private-users``
    tells open pages, which show initials again, and the user's history says who)."""
    file = change.after
    if change.action != "trashed" or file["parent_type"] != AVATAR_OWNER:
        return
    users = RecordWriter(
        USERS,
        change.uow,
        record_cache(change.uow.resources),
        actor=change.actor,
        actor_session=change.actor_session,
    )
    # Locked after the file (locked by its own write): the order every avatar change keeps.
    user = await users.get(file["parent_id"], lock=True)
    if user is not None and user["avatar_id"] == file["id"]:
        await users.update(user, {"avatar_id": None})
