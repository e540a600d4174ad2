"""Writes of lifecycle records made by the system (webhooks, jobs), not by an employee.

They go through the lifecycle's own repository, event recorder and cache, exactly as an
employee's write would (a ``created``/``updated`` event with the diff, the cache tombstoned
before and after commit), with no actor. Permissions do not apply: the provider's signature
(or the job's origin) is the authority.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from switchboard_api.errors import ServiceUnavailable
from switchboard_api.events.recorder import record_event
from switchboard_api.lifecycle.cache import CacheUnavailable, RecordCache
from switchboard_api.lifecycle.changes import diff, snapshot, to_read
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.platform.db import UnitOfWork


class SystemWriter:
    """Insert and update records of one entity type in a unit of work, on behalf of
    ``actor`` (None: the system itself)."""

    def __init__(
        self,
        entity: EntityType,
        uow: UnitOfWork,
        cache: RecordCache,
        *,
        actor: uuid.UUID | None = None,
    ) -> None:
        self.entity = entity
        self.actor = actor
        self.uow = uow
        self.cache = cache
        self.repo = LifecycleRepository(uow.session, entity)

    async def get(self, record_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        """The record (live or trashed), optionally locked until commit."""
        return await self.repo.get(record_id, lock=lock)

    async def insert(self, values: Mapping[str, Any]) -> Row:
        """A new record and its ``created`` event."""
        row = await self.repo.insert(values)
        after = snapshot(to_read(self.entity, row))
        await self._event("created", row, diff(self.entity, None, after, set(values)))
        return row

    async def update(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Apply ``values`` to ``current`` (read with its row lock); a new version and an
        ``updated`` event only if something changes."""
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if not changed:
            return current
        return await self._write(
            current, changed, "updated", trashed=current["deleted_at"] is not None
        )

    async def trash(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Move ``current`` (read with its row lock) to the trash, with ``values`` changed
        too; a ``trashed`` event."""
        moved = {"deleted_at": datetime.now(UTC), "deleted_by": self.actor}
        return await self._write(current, {**values, **moved}, "trashed", trashed=False)

    async def restore(self, current: Row, values: Mapping[str, Any]) -> Row:
        """Bring ``current`` (read with its row lock) back from the trash, with ``values``
        changed too; a ``restored`` event."""
        moved = {"deleted_at": None, "deleted_by": None}
        return await self._write(current, {**values, **moved}, "restored", trashed=True)

    async def _write(
        self, current: Row, changed: dict[str, Any], action: str, *, trashed: bool
    ) -> Row:
        """``changed`` (plus who and when) as the next version of ``current``, which must
        still be ``trashed`` or live as given; its ``action`` event and cache invalidation."""
        changed |= {"updated_at": datetime.now(UTC), "updated_by": self.actor}
        row = await self.repo.update_if(
            current["id"],
            changed,
            trashed=trashed,
            version=current["version"],
        )
        if row is None:  # cannot happen under the row lock; refuse rather than overwrite
            raise ServiceUnavailable(f"{self.entity.name} {current['id']} changed meanwhile")
        before = snapshot(to_read(self.entity, current))
        after = snapshot(to_read(self.entity, row))
        await self._event(action, row, diff(self.entity, before, after, set(changed)))
        await self._invalidate(row["id"], row["version"])
        return row

    async def _event(self, action: str, row: Row, changes: dict[str, Any]) -> None:
        await record_event(
            self.uow.session,
            entity_type=self.entity.name,
            entity_id=row["id"],
            action=action,
            actor_id=self.actor,
            version=row["version"],
            changes=changes,
        )

    async def _invalidate(self, record_id: uuid.UUID, version: int) -> None:
        # As the lifecycle does: a tombstone before commit (or no write at all), and again
        # after it, so nobody is served the older version once the write is acknowledged.
        try:
            await self.cache.invalidate(self.entity.name, record_id, version)
        except CacheUnavailable as exc:
            raise ServiceUnavailable("the record cache is unavailable; try again") from exc

        async def again() -> None:
            await self.cache.invalidate(self.entity.name, record_id, version)

        self.uow.after_commit(again)
