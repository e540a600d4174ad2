"""Building the lifecycle's service and reader for one request."""

from __future__ import annotations

import weakref

from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.reads import LifecycleReader
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.service import LifecycleService
from switchboard_api.platform.redis_link import RedisClient
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork

# One cache object per Redis client (its Lua scripts are registered once, not per request).
_CACHES: weakref.WeakKeyDictionary[RedisClient, RecordCache] = weakref.WeakKeyDictionary()


def record_cache(resources: Resources) -> RecordCache:
    """The record cache over the app's Redis, with the configured TTL and time limit."""
    cache = _CACHES.get(resources.redis)
    if cache is None:
        cache = RecordCache(
            resources.redis,
            ttl_seconds=resources.settings.cache_ttl_seconds,
            timeout_seconds=resources.settings.cache_timeout_seconds,
        )
        _CACHES[resources.redis] = cache
    return cache


def lifecycle_service(
    entity: EntityType, resources: Resources, uow: UnitOfWork, principal: Principal
) -> LifecycleService:
    """The write side for one entity type, in the request's transaction."""
    return LifecycleService(
        entity,
        uow,
        cache=record_cache(resources),
        principal=principal,
        settings=resources.settings,
    )


def lifecycle_reader(
    entity: EntityType, resources: Resources, principal: Principal
) -> LifecycleReader:
    """The read side for one entity type."""
    return LifecycleReader(
        entity,
        resources.sessionmaker,
        record_cache(resources),
        principal,
        phone_region=resources.settings.default_phone_region,
    )
