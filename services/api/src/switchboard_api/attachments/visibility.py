"""Who may read which file: a file is read through its parent record (the parent type's read
permission, and the parent still live), and only once its upload is completed. Every read
of files follows this, the generic lifecycle's list, get and history included; so do its
change events, published only once it is completed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.attachments import repository as repo
from switchboard_api.auth.permissions import Action, can, require
from switchboard_api.auth.principal import Principal
from switchboard_api.calls.entity import CALLS
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.deals.entity import DEALS
from switchboard_api.errors import NotFound
from switchboard_api.lifecycle.registry import EntityType, ReadScope
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.notes.entity import NOTES
from switchboard_api.tasks.entity import TASKS
from switchboard_api.users.entity import USERS

PARENTS: dict[str, EntityType] = {e.name: e for e in (CONTACTS, DEALS, TASKS, NOTES, CALLS, USERS)}
"""The entity types a file may belong to (a user's files: their avatars)."""


async def readable_parent(
    session: AsyncSession,
    principal: Principal,
    parent_type: str,
    parent_id: uuid.UUID,
    *,
    lock: bool = False,
) -> Row:
    """The parent record if the caller may read it (403) and it is live (404 otherwise)."""
    require(principal, parent_type, Action.READ)
    row = await LifecycleRepository(session, PARENTS[parent_type]).get(parent_id, lock=lock)
    if row is None or row["deleted_at"] is not None:
        raise NotFound(f"no live {parent_type} record {parent_id}")
    return row


def is_completed(row: Mapping[str, Any]) -> bool:
    """Whether the file's upload is completed: before that no read shows it, and none of its
    changes is published (the channels and the events feed agree with the reads)."""
    return bool(row["status"] == "ready")


async def check_readable_file(
    session: AsyncSession, principal: Principal, row: Mapping[str, Any]
) -> None:
    """404 for a file still pending or whose parent is trashed, 403 if the caller may not
    read its parent: what the per-record list and the download links hide, hidden here too."""
    if not is_completed(row):
        raise NotFound(f"no completed attachments record {row['id']}")
    await readable_parent(session, principal, row["parent_type"], row["parent_id"])


def readable_files(principal: Principal) -> list[ColumnElement[bool]]:
    """List conditions: completed files of live parents of the types the caller may read."""
    readable = {
        name: entity.model
        for name, entity in PARENTS.items()
        if can(principal.role, name, Action.READ)
    }
    return [repo.completed_with_live_parent(readable)] if readable else [false()]


READABLE_FILES = ReadScope(conditions=readable_files, check=check_readable_file)
"""The attachments type's read scope (see :class:`ReadScope`)."""
