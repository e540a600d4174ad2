"""What deleting a record for good erases besides its row: the field values of its events,
its S3 objects (queued for deletion, retried until S3 confirms), the notifications
quoting it, and the audit line saying
what was erased, by whom and when (never the values)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

from switchboard_api.erasure import repository as repo
from switchboard_api.erasure.objects import schedule_object_deletion
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.notifications.repository import NotificationRepository
from switchboard_api.platform.unit_of_work import UnitOfWork

log = logging.getLogger("switchboard_api.erasure")


async def erase_objects(
    uow: UnitOfWork,
    entity: EntityType,
    record_id: uuid.UUID,
    keys: list[str],
    *,
    reason: str,
    actor: uuid.UUID | None,
) -> None:
    """Queue ``keys`` (the record's S3 objects) for deletion after the commit, and audit it."""
    bucket = uow.resources.settings.s3_bucket
    await repo.queue_object_deletions(
        uow.session, bucket, keys, entity_type=entity.name, entity_id=record_id
    )
    await repo.record_erasure(
        uow.session,
        entity_type=entity.name,
        entity_id=record_id,
        reason=reason,
        actor_id=actor,
        objects=len(keys),
    )
    if keys:
        schedule_object_deletion(uow, record_id)
    # The audit line: what, which, by whom (None: the system); the time is the log's.
    log.info(
        "erased %s %s (%s) by %s: %d object(s)",
        entity.name,
        record_id,
        reason,
        actor or "system",
        len(keys),
    )


async def erase_purged(
    uow: UnitOfWork, entity: EntityType, row: Mapping[str, Any], actor: uuid.UUID | None
) -> None:
    """Everything a record deleted for good (``row``, as it was) leaves behind: its events'
    values, the notifications about it, its S3 objects; audited."""
    await repo.redact_events(uow.session, entity.name, row["id"])
    await NotificationRepository(uow.session).forget_record(row["id"])
    keys = entity.stored_objects(row) if entity.stored_objects is not None else []
    await erase_objects(uow, entity, row["id"], keys, reason="purge", actor=actor)


@functools.cache
def references_to(table: Table) -> tuple[tuple[EntityType, str], ...]:
    """Every (entity type, column) whose foreign key to ``table`` is cleared when a row of
    ``table`` is deleted: the records a purge changes."""
    # Imported here: the registry of types imports the routes, which import the writer.
    from switchboard_api.entities import ENTITY_TYPES  # noqa: PLC0415

    found: list[tuple[EntityType, str]] = []
    for other in ENTITY_TYPES.values():
        other_table = other.model.__table__
        assert isinstance(other_table, Table)
        for fk in other_table.foreign_keys:
            if fk.column.table is table and fk.ondelete == "SET NULL":
                found.append((other, fk.parent.name))
    return tuple(found)


RELATED_TYPE, RELATED_ID = "related_type", "related_id"


@functools.cache
def related_links() -> tuple[EntityType, ...]:
    """Every entity type that links to a record of any type (``related_type`` +
    ``related_id``, no foreign key: tasks, notes): a purge clears those links too."""
    from switchboard_api.entities import ENTITY_TYPES  # noqa: PLC0415 - as above

    return tuple(
        other
        for other in ENTITY_TYPES.values()
        if {RELATED_TYPE, RELATED_ID} <= set(other.model.__table__.columns.keys())
    )


PARENT_TYPE, PARENT_ID = "parent_type", "parent_id"


@functools.cache
def owned_records() -> tuple[EntityType, ...]:
    """Every entity type whose records belong to one record of any type (``parent_type`` +
    ``parent_id``: files): deleting the parent for good deletes them with it."""
    from switchboard_api.entities import ENTITY_TYPES  # noqa: PLC0415 - as above

    return tuple(
        other
        for other in ENTITY_TYPES.values()
        if {PARENT_TYPE, PARENT_ID} <= set(other.model.__table__.columns.keys())
    )
