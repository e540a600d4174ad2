"""What may happen to avatars: starting one's upload (then uploaded and completed as any
file), making a measured one the user's avatar (the worker), removing it, and the link to
one of its squares."""

from __future__ import annotations

import logging
import uuid

from switchboard_api.attachments.entity import ATTACHMENTS
from switchboard_api.attachments.schemas import StartedAttachment
from switchboard_api.attachments.service import AttachmentService
from switchboard_api.attachments.storage import download_url
from switchboard_api.attachments.visibility import check_readable_file, readable_parent
from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.avatars import repository as avatars_repository
from switchboard_api.avatars.rules import (
    AVATAR_OWNER,
    AVATAR_TYPES,
    AvatarSize,
    avatar_key,
    require_avatar_change,
)
from switchboard_api.avatars.schemas import AvatarCreate, AvatarFile
from switchboard_api.errors import NotFound
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.lifecycle.service import Saved
from switchboard_api.lifecycle.validation import invalid
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session
from switchboard_api.users.entity import USERS

log = logging.getLogger("switchboard_api.avatars")


async def start_avatar(
    resources: Resources,
    uow: UnitOfWork,
    principal: Principal,
    user_id: uuid.UUID,
    data: AvatarCreate,
) -> tuple[Saved, StartedAttachment]:
    """A pending file on the user (their own or, for an admin, anyone's) that becomes their
    avatar once uploaded, completed and measured, with the form to upload it with; the
    files' limits apply. 404 for a user
    who is not live, 403 for another's avatar."""
    await readable_parent(uow.session, principal, AVATAR_OWNER, user_id)
    require_avatar_change(principal, user_id)
    content_type = data.content_type.lower()
    if content_type not in AVATAR_TYPES:
        allowed = ", ".join(sorted(AVATAR_TYPES))
        raise invalid("content_type", f"an avatar is one of {allowed}, not {content_type}")
    file = AvatarFile(
        parent_type="users",
        parent_id=user_id,
        name=data.name,
        size=data.size,
        content_type=content_type,
        checksum_sha256=data.checksum_sha256,
    )
    return await AttachmentService(resources, uow, principal).start(file)


async def _purge(files: RecordWriter, current: Row) -> None:
    """Delete a file (read with its row lock) for good, its objects queued for erasure; a
    live one is trashed first (which takes it from its user if it was their avatar)."""
    await files.purge(current if current["deleted_at"] else await files.trash(current, {}))


async def _purge_file(files: RecordWriter, file_id: uuid.UUID) -> None:
    """:func:`_purge` by id; nothing if the file is gone."""
    current = await files.get(file_id, lock=True)
    if current is not None:
        await _purge(files, current)


async def adopt_avatar(uow: UnitOfWork, file: Row, *, usable: bool) -> str:
    """In the worker's transaction that measured ``file`` (locked): make it its user's
    avatar (a write by whoever completed the upload), deleting the one it replaces for
    good; a file that is not a readable image is deleted instead. Returns what happened.

    Adoptions of one user's avatars take turns, so each replaces (and deletes) the one the
    previous adoption set: two uploads finishing together leave one avatar file, the last
    adopted, never a second one that nothing refers to."""
    cache = record_cache(uow.resources)
    files = RecordWriter(ATTACHMENTS, uow, cache, actor=file["updated_by"])
    if not usable or file["deleted_at"] is not None:
        await _purge_file(files, file["id"])
        return "not a usable avatar: deleted"
    users = RecordWriter(USERS, uow, cache, actor=file["updated_by"])
    user_id = file["parent_id"]
    seen = await users.get(user_id)
    if seen is not None and seen["avatar_id"] == file["id"]:  # adopted already (a repeat)
        return "avatar set"
    await avatars_repository.lock_avatar_adoptions(uow.session, user_id)
    seen = await users.get(user_id)  # as the previous adoption left it
    replaced = None if seen is None else seen["avatar_id"]
    # Files before users, as trashing an avatar locks them: no deadlock between the two.
    previous = None if replaced is None else await files.get(replaced, lock=True)
    user = await users.get(user_id, lock=True)
    if user is None:  # the user was purged meanwhile (and their files with them)
        return "user gone"
    await users.update(user, {"avatar_id": file["id"]})
    # Unless it was trashed meanwhile (then no longer the avatar, and the trash keeps it):
    # no longer referred to, deleted without another user write.
    if previous is not None and user["avatar_id"] == previous["id"]:
        await _purge(files, previous)
    return "avatar set"


async def remove_avatar(
    resources: Resources, uow: UnitOfWork, principal: Principal, user_id: uuid.UUID
) -> None:
    """The user's avatar deleted for good (their own or, for an admin, anyone's): trashing
    it on the way clears the user's reference (a write of the user: open pages show
    initials again; ``avatars.forgetting``)."""
    user = await LifecycleRepository(uow.session, USERS).get(user_id)
    if user is None:
        raise NotFound(f"no users record {user_id}")
    require_avatar_change(principal, user_id)
    if user["avatar_id"] is None:
        return
    files = RecordWriter(
        ATTACHMENTS,
        uow,
        record_cache(resources),
        actor=principal.user_id,
        actor_session=principal.session_id,
    )
    await _purge_file(files, user["avatar_id"])


async def avatar_link(
    resources: Resources,
    principal: Principal,
    user_id: uuid.UUID,
    avatar_id: uuid.UUID,
    size: AvatarSize,
) -> str:
    """A short-lived link to one square of a user's avatar (404 unless it is one of the
    user's measured avatar files and the user is live)."""
    require(principal, ATTACHMENTS.name, Action.READ)
    async with read_session(resources.sessionmaker) as session:
        row = await LifecycleRepository(session, ATTACHMENTS).get(avatar_id)
        if (
            row is None
            or row["parent_type"] != AVATAR_OWNER
            or row["parent_id"] != user_id
            or row["deleted_at"] is not None
        ):
            raise NotFound(f"user {user_id} has no avatar {avatar_id}")
        await check_readable_file(session, principal, row)
    if row["thumbnail_key"] is None:
        raise NotFound(f"avatar {avatar_id} is not ready yet")
    return await download_url(
        resources,
        avatar_key(row["storage_key"], size),
        name=f"avatar-{size}.jpg",
        content_type="image/jpeg",
        inline=True,
    )
