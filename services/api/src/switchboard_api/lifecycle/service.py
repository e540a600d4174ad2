"""The lifecycle's decisions: permissions, versions, lifecycle states, events and cache.

One service serves every entity type; the type's :class:`EntityType` says what differs.
It flushes (through the repository) and never commits: the request's unit of work does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
)
from switchboard_api.events.recorder import record_event
from switchboard_api.lifecycle.cache import CacheUnavailable, RecordCache
from switchboard_api.lifecycle.changes import diff, snapshot, to_read
from switchboard_api.lifecycle.registry import EntityType, WriteContext, Written
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.platform.db import UnitOfWork
from switchboard_api.settings import ApiSettings

log = logging.getLogger("switchboard_api.lifecycle")

_MOVES = {"trashed": "trash", "restored": "restore"}  # event action -> guard action


class _NothingWritten(Exception):
    """A conditional write matched no row (the reason is looked up afterwards)."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A record as stored after a write."""

    record: msgspec.Struct
    version: int
    id: uuid.UUID


def input_values(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a client sent (``UNSET`` ones left out), as column values."""
    values: dict[str, Any] = {}
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET:
            continue
        nested = isinstance(value, msgspec.Struct) or (
            isinstance(value, list) and any(isinstance(v, msgspec.Struct) for v in value)
        )
        values[name] = msgspec.to_builtins(value) if nested else value
    return values


class LifecycleService:
    """Create, update, trash, restore and purge records of one entity type."""

    def __init__(
        self,
        entity: EntityType,
        uow: UnitOfWork,
        *,
        cache: RecordCache,
        principal: Principal,
        settings: ApiSettings,
        redis: Redis,
    ) -> None:
        self.entity = entity
        self.redis = redis
        self.uow = uow
        self.repo = LifecycleRepository(uow.session, entity)
        self.cache = cache
        self.principal = principal
        self.settings = settings

    def _prepare(self, values: dict[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
        if self.entity.prepare is None:
            return values
        return self.entity.prepare(values, WriteContext(self.principal, self.settings, current))

    async def _load(self, record_id: uuid.UUID, *, lock: bool = False) -> Row:
        row = await self.repo.get(record_id, lock=lock)
        if row is None:
            raise NotFound(f"no {self.entity.name} record {record_id}")
        return row

    async def _event(self, action: str, row: Mapping[str, Any], changes: dict[str, Any]) -> None:
        await record_event(
            self.uow.session,
            entity_type=self.entity.name,
            entity_id=row["id"],
            action=action,
            actor_id=self.principal.user_id,
            version=row["version"],
            changes=changes,
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

        cache, entity_type = self.cache, self.entity.name

        async def invalidate_again() -> None:
            await cache.invalidate(entity_type, record_id, version)

        # The repeat only repairs a Redis that lost the first tombstone: the answer need
        # not wait for its round trip (readers of the answer are covered by the first).
        self.uow.after_commit(invalidate_again, hold_response=False)
        hook = self.entity.after_commit
        if hook is not None:  # other caches to drop: before the answer, as it may be relied on
            redis = self.redis

            async def after_commit() -> None:
                await hook(redis, record_id)

            self.uow.after_commit(after_commit)

    async def _write(
        self,
        current: Row,
        values: dict[str, Any],
        action: str,
        *,
        trashed: bool,
        raw: set[str] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> Saved:
        """``values`` as the next version of ``current`` (still at its version and in the
        ``trashed`` state given, else 412/404), with its cache tombstone and its ``action``
        event: ``changes`` if given, else the difference the write made (``raw``: the
        fields written, for :func:`diff`)."""
        record_id, version = current["id"], current["version"]
        async with self._invalidating(record_id, version + 1):  # update_if bumps by one
            row = await self.repo.update_if(record_id, values, trashed=trashed, version=version)
            if row is None:
                raise await self._stale(record_id)
            return await self._recorded(action, current, row, raw=raw, changes=changes)

    async def _recorded(
        self,
        action: str,
        before: Row,
        row: Row,
        *,
        raw: set[str] | None,
        changes: dict[str, Any] | None = None,
    ) -> Saved:
        """``row`` as written over ``before``, with its ``action`` event: ``changes`` if
        given, else the difference between the two (``raw``: the fields written)."""
        saved = self._saved(row)
        if changes is None:
            was = snapshot(to_read(self.entity, before))
            changes = diff(self.entity, was, snapshot(saved.record), raw)
        await self._event(action, row, changes)
        if self.entity.on_written is not None:
            written = Written(
                action, before, row, self.principal, self.uow, self.redis, self.settings
            )
            await self.entity.on_written(written)
        return saved

    def _saved(self, row: Row) -> Saved:
        return Saved(record=to_read(self.entity, row), version=row["version"], id=row["id"])

    async def create(self, data: msgspec.Struct) -> Saved:
        """Insert a new record and its ``created`` event."""
        require(self.principal, self.entity.name, Action.CREATE)
        values = self._prepare(input_values(data), None)
        actor = self.principal.user_id
        row = await self.repo.insert({**values, "created_by": actor, "updated_by": actor})
        saved = self._saved(row)
        raw = set(values)
        await self._event("created", row, diff(self.entity, None, snapshot(saved.record), raw))
        if self.entity.after_commit is not None:  # a new record is a change hooks follow too
            hook, redis = self.entity.after_commit, self.redis

            async def created() -> None:
                await hook(redis, saved.id)

            self.uow.after_commit(created)
        return saved

    async def update(
        self, record_id: uuid.UUID, if_match: int | None, data: msgspec.Struct
    ) -> Saved:
        """Apply a partial update if the record is still at ``if_match`` (412 otherwise)."""
        require(self.principal, self.entity.name, Action.UPDATE)
        if if_match is None:
            raise PreconditionRequired("send If-Match with the version you are changing")
        if not (self.entity.prepare and self.entity.prepare_reads_current):
            return await self._update_unread(record_id, if_match, data)
        current = await self._load(record_id)
        self._refuse_trashed(current)
        self._check_version(current, if_match)
        values = self._prepare(input_values(data), current)
        if all(k in current and current[k] == v for k, v in values.items()):
            return self._saved(current)  # nothing changes: no new version, no event
        values.update(updated_at=datetime.now(UTC), updated_by=self.principal.user_id)
        return await self._write(current, values, "updated", trashed=False, raw=set(values))

    async def _update_unread(
        self, record_id: uuid.UUID, if_match: int, data: msgspec.Struct
    ) -> Saved:
        """:meth:`update` for a type whose ``prepare`` needs no stored record: the record is
        not read first. One statement writes it if it is live, at ``if_match`` and actually
        changes, and returns it as it was (for the event's diff) and as it is; only when it
        wrote nothing is the record read, to say why (404, 409, 412 or "no change")."""
        values = self._prepare(input_values(data), None)
        compared = list(values)
        values.update(updated_at=datetime.now(UTC), updated_by=self.principal.user_id)
        if compared:  # an empty body changes nothing
            try:
                async with self._invalidating(record_id, if_match + 1):
                    written = await self.repo.update_changed(
                        record_id, values, compared=compared, version=if_match
                    )
                    if written is None:
                        raise _NothingWritten  # (withdraws the tombstone)
                    was, row = written
                    saved = await self._recorded("updated", was, row, raw=set(values))
            except _NothingWritten:
                pass
            else:
                return saved
        current = await self._load(record_id)
        self._refuse_trashed(current)
        self._check_version(current, if_match)
        return self._saved(current)  # nothing changes: no new version, no event

    async def trash(self, record_id: uuid.UUID, if_match: int | None) -> Saved:
        """Move a live record to the trash."""
        require(self.principal, self.entity.name, Action.TRASH)
        values = {"deleted_at": datetime.now(UTC), "deleted_by": self.principal.user_id}
        return await self._move(record_id, if_match, values, from_trash=False, action="trashed")

    async def restore(self, record_id: uuid.UUID, if_match: int | None) -> Saved:
        """Bring a record back from the trash exactly as it was (only the version moves)."""
        require(self.principal, self.entity.name, Action.RESTORE)
        values = {"deleted_at": None, "deleted_by": None}
        return await self._move(record_id, if_match, values, from_trash=True, action="restored")

    async def _move(
        self,
        record_id: uuid.UUID,
        if_match: int | None,
        values: dict[str, Any],
        *,
        from_trash: bool,
        action: str,
    ) -> Saved:
        current = await self._load(record_id, lock=True)
        self._guard(_MOVES[action], current)
        if (current["deleted_at"] is not None) != from_trash:
            state = "is not in the trash" if from_trash else "is already in the trash"
            raise Conflict(f"{self.entity.name} record {record_id} {state}")
        if if_match is not None:
            self._check_version(current, if_match)
        return await self._write(current, values, action, trashed=from_trash)

    async def touch(
        self, record_id: uuid.UUID, if_match: int | None, changes: dict[str, Any]
    ) -> Saved:
        """A new version of a live record for a change kept outside its row (entries of a
        list...): bumps the version, records ``updated`` with ``changes``. Call it before
        making that change, so concurrent changes queue up on the record's row lock."""
        require(self.principal, self.entity.name, Action.UPDATE)
        current = await self._load(record_id, lock=True)
        self._refuse_trashed(current)
        if if_match is not None:
            self._check_version(current, if_match)
        values = {"updated_at": datetime.now(UTC), "updated_by": self.principal.user_id}
        return await self._write(current, values, "updated", trashed=False, changes=changes)

    async def purge(self, record_id: uuid.UUID, if_match: int | None) -> None:
        """Delete a trashed record for good (409 for a live one)."""
        require(self.principal, self.entity.name, Action.PURGE)
        current = await self._load(record_id, lock=True)
        self._guard("purge", current)
        if current["deleted_at"] is None:
            raise Conflict(
                f"{self.entity.name} record {record_id} is not in the trash; trash it first"
            )
        if if_match is not None:
            self._check_version(current, if_match)
        version = current["version"]
        async with self._invalidating(record_id, version + 1):  # the purge's event version
            row = await self.repo.delete_trashed(record_id, version)
            if row is None:
                raise await self._stale(record_id)
            await purged_event(self.uow.session, self.entity, row, self.principal.user_id)

    def _refuse_trashed(self, current: Row) -> None:
        """409 for a change to a record in the trash (only restore and purge apply)."""
        if current["deleted_at"] is not None:
            raise Conflict(
                f"{self.entity.name} record {current['id']} is in the trash; restore it first"
            )

    def _guard(self, action: str, current: Row) -> None:
        if self.entity.guard is not None:
            self.entity.guard(action, current, self.principal)

    def _check_version(self, current: Mapping[str, Any], if_match: int) -> None:
        if current["version"] != if_match:
            raise stale_error(self.entity.name, current["version"])

    async def _stale(self, record_id: uuid.UUID) -> Exception:
        current = await self.repo.get(record_id)
        if current is None:
            return NotFound(f"no {self.entity.name} record {record_id}")
        return stale_error(self.entity.name, current["version"])


def stale_error(entity_type: str, current_version: int) -> PreconditionFailed:
    """412 naming the current version (and sending its ETag)."""
    return PreconditionFailed(
        f"the {entity_type} record is now at version {current_version}",
        headers={"ETag": f'"{current_version}"'},
    )


async def purged_event(
    session: AsyncSession, entity: EntityType, row: Mapping[str, Any], actor: uuid.UUID | None
) -> None:
    """The ``purged`` event: the record as it was when it was deleted for good."""
    await record_event(
        session,
        entity_type=entity.name,
        entity_id=row["id"],
        action="purged",
        actor_id=actor,
        version=row["version"] + 1,
        changes=diff(entity, snapshot(to_read(entity, row)), None),
    )
