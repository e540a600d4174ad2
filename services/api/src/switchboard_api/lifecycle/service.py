"""The lifecycle's decisions: permissions, preconditions and lifecycle states.

One service serves every entity type; the type's :class:`EntityType` says what differs.
The write itself (version, event, cache, hooks) is the one writer's
(:mod:`switchboard_api.lifecycle.writer`). It flushes and never commits: the unit of work
does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.registry import EntityType, WriteContext
from switchboard_api.lifecycle.repository import Row
from switchboard_api.lifecycle.writer import RecordWriter, StaleWrite, Written
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.settings import ApiSettings

_MOVES = {"trashed": "trash", "restored": "restore"}  # event action -> guard action

ANY_VERSION = 0
"""``If-Match: *``: whatever version is current (versions start at 1)."""
NO_VERSION = -1
"""``If-Match`` naming only weak tags: RFC 9110 compares strongly, so it matches nothing."""


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
    ) -> None:
        self.entity = entity
        self.uow = uow
        self.writer = RecordWriter(
            entity, uow, cache, actor=principal.user_id, actor_session=principal.session_id
        )
        self.repo = self.writer.repo
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
        ``trashed`` state given, else 412/404), through the writer."""
        try:
            written = await self.writer.write(
                current, values, action, trashed=trashed, raw=raw, changes=changes
            )
        except StaleWrite:
            raise await self._stale(current["id"]) from None
        return self._saved(written)

    def _saved(self, written: Written) -> Saved:
        return Saved(record=written.record, version=written.row["version"], id=written.row["id"])

    def _saved_row(self, row: Row) -> Saved:
        return Saved(record=to_read(self.entity, row), version=row["version"], id=row["id"])

    async def create(self, data: msgspec.Struct) -> Saved:
        """Insert a new record and its ``created`` event."""
        require(self.principal, self.entity.name, Action.CREATE)
        values = self._prepare(input_values(data), None)
        raw = set(values)
        actor = self.principal.user_id
        values |= {"created_by": actor, "updated_by": actor}
        written = await self.writer.insert(values, raw=raw)
        return self._saved(written)

    async def update(
        self, record_id: uuid.UUID, if_match: int | None, data: msgspec.Struct
    ) -> Saved:
        """Apply a partial update if the record is still at ``if_match`` (412 otherwise)."""
        require(self.principal, self.entity.name, Action.UPDATE)
        if if_match is None:
            raise PreconditionRequired("send If-Match with the version you are changing")
        any_version = if_match == ANY_VERSION
        if not any_version and not (self.entity.prepare and self.entity.prepare_reads_current):
            return await self._update_unread(record_id, if_match, data)
        # If-Match: * changes whatever version is current: it is locked so it stays current.
        current = await self._load(record_id, lock=any_version)
        self._refuse_trashed(current)
        if not any_version:
            self._check_version(current, if_match)
        values = self._prepare(input_values(data), current)
        if all(k in current and current[k] == v for k, v in values.items()):
            return self._saved_row(current)  # nothing changes: no new version, no event
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
            written = await self.writer.write_changed(
                record_id, values, compared=compared, version=if_match
            )
            if written is not None:
                return self._saved(written)
        current = await self._load(record_id)
        self._refuse_trashed(current)
        self._check_version(current, if_match)
        return self._saved_row(current)  # nothing changes: no new version, no event

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
        try:
            await self.writer.purge(current)
        except StaleWrite:
            raise await self._stale(record_id) from None

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
        """412 unless ``if_match`` names the current version (``*`` names any)."""
        if if_match != ANY_VERSION and current["version"] != if_match:
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
