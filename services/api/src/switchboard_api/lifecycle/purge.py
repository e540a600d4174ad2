"""The trash purge job: records trashed longer than the retention are deleted for good.

Idempotent (a purged record is gone, so a rerun finds nothing) and safe to run in parallel
(rows are locked with SKIP LOCKED). Each record is deleted through the one writer, as a
person's permanent delete is: references to it cleared as writes of their own, a ``purged``
event, its events' values and S3 objects erased (``lifecycle/erasure.py``), the cache
tombstone before commit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from switchboard_api.entities import ENTITY_TYPES
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.lifecycle.purge")

BATCH = 200


async def _purge_batch(resources: Resources, entity: EntityType, cutoff: datetime) -> int:
    """Purge up to one batch of one type in one transaction; how many were purged."""
    purged = 0
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(entity, uow, record_cache(resources))
        for record_id in await writer.repo.expired_trash(cutoff, BATCH):
            # Raises if Redis is down: the batch rolls back and the job is retried later.
            if await writer.purge_expired(record_id, cutoff):
                purged += 1
    return purged


async def purge_expired_trash(resources: Resources, now: datetime | None = None) -> int:
    """Purge every record trashed more than ``trash_retention_days`` before ``now``;
    returns how many were purged."""
    days = resources.settings.trash_retention_days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    total = 0
    for entity in ENTITY_TYPES.values():
        while (count := await _purge_batch(resources, entity, cutoff)) > 0:
            total += count
            log.info("purged %d %s records trashed before %s", count, entity.name, cutoff)
            if count < BATCH:
                break
    return total


async def purge_trash(ctx: WorkerContext) -> int:
    """The worker's job: :func:`purge_expired_trash` now; returns how many were purged."""
    purged = await purge_expired_trash(ctx["resources"])
    log.info("trash purge: %d records purged", purged)
    return purged
