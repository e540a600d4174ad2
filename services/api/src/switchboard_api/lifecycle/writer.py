"""The one writer of records: every change to a record, made by an employee (through
:class:`~switchboard_api.lifecycle.service.LifecycleService`, which decides whether it may
happen) or by the system (webhooks, jobs), is written here.

A write is always the same steps: the new version (or the deletion), its history/outbox
event, the cache tombstone around it (withdrawn if the write fails, repeated after commit)
and the entity type's hooks (``on_written`` in the transaction, ``on_change`` after it). Permissions are not checked here: the caller is
the authority (the lifecycle service for an employee, the provider's signature or the job's
origin for the system).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.errors import ServiceUnavailable
from switchboard_api.events.recorder import record_event
from switchboard_api.lifecycle.cache import CacheUnavailable, RecordCache
from switchboard_api.lifecycle.changes import diff, snapshot, to_read
from switchboard_api.lifecycle.erasure import (
    PARENT_ID,
    PARENT_TYPE,
    RELATED_ID,
    RELATED_TYPE,
    erase_purged,
    owned_records,
    references_to,
    related_links,
)
from switchboard_api.lifecycle.registry import EntityType, RecordChange
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.platform.unit_of_work import UnitOfWork

log = logging.getLogger("switchboard_api.lifecycle")


class StaleWrite(Exception):
    """A conditional write matched no row: the record is at another version, in another
    state, or gone (nothing was written; the caller says which)."""


@dataclass(frozen=True, slots=True)
class Written:
    """A record as stored by a write: its row and the row as its read schema."""

    row: Row
    record: msgspec.Struct


class RecordWriter:
    """Writes records of one entity type in a unit of work, on behalf of ``actor`` (None:
    the system itself)."""

    def __init__(
        self,
        entity: EntityType,
        uow: UnitOfWork,
        cache: RecordCache,
        *,
        actor: uuid.UUID | None = None,
        actor_session: str | None = None,
    ) -> None:
        self.entity = entity
        self.uow = uow
        self.cache = cache
        self.actor = actor
        self.actor_session = actor_session
        self.repo = LifecycleRepository(uow.session, entity)

    async def get(self, record_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        """The record (live or trashed), optionally locked until commit."""
        return await self.repo.get(record_id, lock=lock)

    async def insert(self, values: Mapping[str, Any], *, raw: set[str] | None = None) -> Written:
        """A new record and its ``created`` event (``raw``: the fields the writer gave, for
        :func:`diff`; all of ``values`` unless said otherwise)."""
        row = await self.repo.insert(values)
        record = to_read(self.entity, row)
        changes = diff(self.entity, None, snapshot(record), set(values) if raw is None else raw)
        await self._event("created", row, changes)
        if self.entity.on_written is not None:
            change = RecordChange("created", {}, row, self.actor, self.actor_session, self.uow)
            await self.entity.on_written(change)
        self._changed(row["id"])
        return Written(row, record)

    async def write(
        self,
        current: Row,
        values: Mapping[str, Any],
        action: str,
        *,
        trashed: bool,
        raw: set[str] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> Written:
        """``values`` as the next version of ``current``, which must still be at its version
        and ``trashed`` or live as given (else :class:`StaleWrite`); its ``action`` event:
        ``changes`` if given, else the difference the write made (``raw``: the fields
        written, for :func:`diff`)."""
        record_id, version = current["id"], current["version"]
        async with self._invalidating(record_id, version + 1):  # update_if bumps by one
            row = await self.repo.update_if(record_id, values, trashed=trashed, version=version)
            if row is None:
                raise StaleWrite(record_id)
            return await self._recorded(action, current, row, raw=raw, changes=changes)

    async def write_changed(
        self, record_id: uuid.UUID, values: Mapping[str, Any], *, compared: list[str], version: int
    ) -> Written | None:
        """``values`` as the next version of a live record still at ``version``, in one
        statement that does not read it first, only if one of the ``compared`` fields
        changes; None if nothing was written (the caller reads the record to say why)."""
        try:
            async with self._invalidating(record_id, version + 1):
                written = await self.repo.update_changed(
                    record_id, values, compared=compared, version=version
                )
                if written is None:
                    raise StaleWrite(record_id)  # (withdraws the tombstone)
                was, row = written
                return await self._recorded("updated", was, row, raw=set(values))
        except StaleWrite:
            return None

    async def purge(self, current: Row) -> None:
        """Delete the trashed ``current`` (read with its row lock) for good if it is still
        at its version (else :class:`StaleWrite`): :meth:`_erase`."""
        record_id, version = current["id"], current["version"]
        if await self._release_dependents(record_id):
            # What belonged to it may have referred to it too (a user's avatar): purging that
            # wrote this record, in this transaction under its lock. The purge follows.
            released = await self.repo.get(record_id)
            version = version if released is None else released["version"]
        async with self._invalidating(record_id, version + 1):  # the purge's event version
            row = await self.repo.delete_trashed(record_id, version)
            if row is None:
                raise StaleWrite(record_id)
            await self._erase(row)

    async def purge_expired(self, record_id: uuid.UUID, trashed_before: datetime) -> bool:
        """Delete the record for good if it was trashed before ``trashed_before``; whether
        it was (as :meth:`purge`)."""
        current = await self.repo.get(record_id, lock=True)
        trashed_at = None if current is None else current["deleted_at"]
        if current is None or trashed_at is None or trashed_at >= trashed_before:
            return False
        await self.purge(current)
        return True

    async def _erase(self, row: Row) -> None:
        """What follows a row deleted for good: its ``purged`` event, then its events'
        values and its S3 objects erased (audited)."""
        await purged_event(self.uow.session, self.entity, row, self.actor)
        await erase_purged(self.uow, self.entity, row, self.actor)

    async def _release_dependents(self, record_id: uuid.UUID) -> bool:
        """Before the delete (whose foreign keys would clear them silently): every record
        referring to it loses the reference as a write of its own (version, event, cache);
        every record belonging to it is trashed and purged with it. Whether any was."""
        owned_any = False
        for entity, column in references_to(self.repo.table):
            writer = RecordWriter(entity, self.uow, self.cache, actor=self.actor)
            for dependent in await writer.repo.referencing(column, record_id):
                await writer.update(dependent, {column: None})
        for entity in related_links():  # links to a record of any type have no foreign key
            writer = RecordWriter(entity, self.uow, self.cache, actor=self.actor)
            linked = await writer.repo.referencing(
                RELATED_ID, record_id, type_column=RELATED_TYPE, type_name=self.entity.name
            )
            for dependent in linked:
                await writer.update(dependent, {RELATED_TYPE: None, RELATED_ID: None})
        for entity in owned_records():  # what belongs to it (files) goes with it
            writer = RecordWriter(entity, self.uow, self.cache, actor=self.actor)
            owned = await writer.repo.referencing(
                PARENT_ID, record_id, type_column=PARENT_TYPE, type_name=self.entity.name
            )
            for child in owned:
                # Only a trashed record is purged: a live one is trashed first.
                await writer.purge(child if child["deleted_at"] else await writer.trash(child, {}))
                owned_any = True
        return owned_any

    # The system's writes: values compared with the stored row, who and when added.

    async def update(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Apply ``values`` to ``current`` (read with its row lock); a new version and an
        ``updated`` event only if something changes."""
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if not changed:
            return current
        trashed = current["deleted_at"] is not None
        return await self._system_write(current, changed, "updated", trashed=trashed)

    async def trash(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Move ``current`` (read with its row lock) to the trash, with ``values`` changed
        too; a ``trashed`` event."""
        moved = {"deleted_at": datetime.now(UTC), "deleted_by": self.actor}
        return await self._system_write(current, {**values, **moved}, "trashed", trashed=False)

    async def restore(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Bring ``current`` (read with its row lock) back from the trash, with ``values``
        changed too; a ``restored`` event."""
        moved = {"deleted_at": None, "deleted_by": None}
        return await self._system_write(current, {**values, **moved}, "restored", trashed=True)

    async def _system_write(
        self, current: Row, changed: dict[str, Any], action: str, *, trashed: bool
    ) -> Row:
        changed |= {"updated_at": datetime.now(UTC), "updated_by": self.actor}
        try:
            written = await self.write(current, changed, action, trashed=trashed, raw=set(changed))
        except StaleWrite:  # cannot happen under the row lock; refuse rather than overwrite
            raise ServiceUnavailable(
                f"{self.entity.name} {current['id']} changed meanwhile"
            ) from None
        return written.row

    async def _recorded(
        self,
        action: str,
        before: Row,
        row: Row,
        *,
        raw: set[str] | None,
        changes: dict[str, Any] | None = None,
    ) -> Written:
        record = to_read(self.entity, row)
        if changes is None:
            was = snapshot(to_read(self.entity, before))
            changes = diff(self.entity, was, snapshot(record), raw)
        await self._event(action, row, changes)
        if self.entity.on_written is not None:
            change = RecordChange(action, before, row, self.actor, self.actor_session, self.uow)
            await self.entity.on_written(change)
        return Written(row, record)

    async def _event(self, action: str, row: Mapping[str, Any], changes: dict[str, Any]) -> None:
        await record_event(
            self.uow.session,
            entity_type=self.entity.name,
            entity_id=row["id"],
            action=action,
            actor_id=self.actor,
            version=row["version"],
            changes=changes,
            withheld=not announced(self.entity, row),
        )

    @asynccontextmanager
    async def _invalidating(self, record_id: uuid.UUID, version: int) -> AsyncIterator[None]:
        """Around the statements that write ``version`` of a record: its cache tombstone.

        Before commit, so a reader holding the old row can no longer cache it; sent as the
        body starts, so Redis's round trip overlaps PostgreSQL's instead of following them.
        Without Redis we cannot promise that, so the write is refused (and rolled back).
        Again after commit (covers a Redis that lost the first one meanwhile)."""
        tombstone = asyncio.ensure_future(
            self.cache.invalidate(self.entity.name, record_id, version)
        )
        try:
            yield
        except BaseException:
            # No new version after all: withdraw it if not sent yet (if sent, it only keeps
            # the record out of the cache until the next write or its expiry).
            tombstone.cancel()
            with contextlib.suppress(asyncio.CancelledError, CacheUnavailable):
                await tombstone
            raise
        try:
            await tombstone
        except CacheUnavailable as exc:
            log.error("cache invalidation failed, refusing the write: %s", exc)
            raise ServiceUnavailable("the record cache is unavailable; try again") from exc
        self._after_write(record_id, version)

    def _after_write(self, record_id: uuid.UUID, version: int) -> None:
        # The repeated tombstone only repairs a Redis that lost the first one: the answer
        # need not wait for its round trip (readers of the answer are covered by the first).
        again = functools.partial(self.cache.invalidate, self.entity.name, record_id, version)
        self.uow.after_commit(again, hold_response=False)
        self._changed(record_id)

    def _changed(self, record_id: uuid.UUID) -> None:
        if self.entity.on_change is not None:  # what follows the change (caches, jobs)
            self.entity.on_change(self.uow, record_id)


async def purged_event(
    session: AsyncSession, entity: EntityType, row: Mapping[str, Any], actor: uuid.UUID | None
) -> None:
    """The ``purged`` event: who deleted the record for good and when; no field values
    (an erased record's events keep none)."""
    await record_event(
        session,
        entity_type=entity.name,
        entity_id=row["id"],
        action="purged",
        actor_id=actor,
        version=row["version"] + 1,
        changes={},
        withheld=not announced(entity, row),
    )


def announced(entity: EntityType, row: Mapping[str, Any]) -> bool:
    """Whether the change that left ``row`` so is published (channels, feed) or only kept
    in the record's history (see ``EntityType.announced``)."""
    return entity.announced is None or entity.announced(row)
