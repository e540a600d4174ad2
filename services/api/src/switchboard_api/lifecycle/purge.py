"""The trash purge job: records trashed longer than the retention are deleted for good.

Idempotent (a purged record is gone, so a rerun finds nothing) and safe to run in parallel
(rows are locked with SKIP LOCKED). Each record gets a ``purged`` event in the same
transaction, and its cache entry a tombstone before commit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.entities import ENTITY_TYPES
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.repository import LifecycleRepository
from switchboard_api.lifecycle.service import purged_event
from switchboard_api.settings import ApiSettings

log = logging.getLogger("switchboard_api.lifecycle.purge")

BATCH = 200


async def _purge_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: RecordCache,
    entity: EntityType,
    cutoff: datetime,
) -> int:
    """Purge up to one batch of one type in one transaction; how many were purged."""
    purged = 0
    async with sessionmaker() as session, session.begin():
        repo = LifecycleRepository(session, entity)
        for record_id in await repo.expired_trash(cutoff, BATCH):
            row = await repo.delete_trashed(record_id, None, trashed_before=cutoff)
            if row is None:
                continue
            await purged_event(session, entity, row, None)
            # Raises if Redis is down: the batch rolls back and the job is retried later.
            await cache.invalidate(entity.name, record_id, row["version"] + 1)
            purged += 1
    return purged


async def purge_expired_trash(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: ApiSettings,
    now: datetime | None = None,
) -> int:
    """Purge every record trashed more than ``trash_retention_days`` before ``now``;
    returns how many were purged."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.trash_retention_days)
    redis = Redis.from_url(
        settings.redis_url.get_secret_value(), socket_timeout=2, socket_connect_timeout=2
    )
    cache = RecordCache(
        redis,
        ttl_seconds=settings.cache_ttl_seconds,
        timeout_seconds=max(settings.cache_timeout_seconds, 1.0),
    )
    total = 0
    try:
        for entity in ENTITY_TYPES.values():
            while (count := await _purge_batch(sessionmaker, cache, entity, cutoff)) > 0:
                total += count
                log.info("purged %d %s records trashed before %s", count, entity.name, cutoff)
                if count < BATCH:
                    break
    finally:
        await redis.aclose()
    return total
