"""Cache-aside of single records in Redis, safe under concurrent writers.

Each key is a hash ``{v: version, d: json}``. Readers fill it with compare-and-set (a Lua
script that never replaces a newer version with an older one); writers put a *tombstone*
(the new version, no data) before commit and again after it, before the response is sent.
A reader that fetched an older row from PostgreSQL can then no longer cache it, so once a
write is acknowledged nobody is served an older version. Any Redis failure on the read side
is logged and the read falls through to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from redis.exceptions import RedisError

from switchboard_api.platform import metrics
from switchboard_api.platform.redis_link import RedisClient

log = logging.getLogger("switchboard_api.lifecycle.cache")

# Fill only if the stored entry is older, or is a tombstone of this very version.
_FILL = """
local cur = redis.call('HMGET', KEYS[1], 'v', 'd')
local v = tonumber(ARGV[1])
if cur[1] then
  local cv = tonumber(cur[1])
  if cv > v or (cv == v and cur[2] and cur[2] ~= '') then return 0 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# Mark a version as the newest known, without data, unless a newer one is already there.
_TOMBSTONE = """
local cv = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
if cv > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', '')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


FIELDS = ("v", "d")
"""The fields of a cache entry: its version and its JSON (empty in a tombstone)."""


class CacheUnavailable(Exception):
    """Redis could not record an invalidation (the write must not be acknowledged)."""


class RecordCache:
    """Versioned cache entries of serialized records, keyed by entity type and id."""

    def __init__(self, redis: RedisClient, *, ttl_seconds: int, timeout_seconds: float) -> None:
        self._redis = redis
        self._ttl_ms = ttl_seconds * 1000
        self._timeout = timeout_seconds
        self._fill = redis.register_script(_FILL)
        self._tombstone = redis.register_script(_TOMBSTONE)

    @staticmethod
    def key(entity_type: str, record_id: uuid.UUID) -> str:
        """The Redis key of one record."""
        return f"sb:rec:{entity_type}:{record_id}"

    @staticmethod
    def entry(fields: list[bytes | str | None]) -> tuple[int, bytes] | None:
        """(version, JSON) from the :data:`FIELDS` of a key; None for a miss or a tombstone."""
        version, data = fields
        if not data or version is None:
            metrics.CACHE_LOOKUPS.labels("miss").inc()
            return None
        metrics.CACHE_LOOKUPS.labels("hit").inc()
        return int(version), data if isinstance(data, bytes) else data.encode()

    async def get(self, entity_type: str, record_id: uuid.UUID) -> tuple[int, bytes] | None:
        """(version, JSON) if cached; None on a miss, a tombstone or any Redis trouble."""
        try:
            async with asyncio.timeout(self._timeout):
                fields = await self._redis.hmget(self.key(entity_type, record_id), FIELDS)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("cache read failed, reading PostgreSQL: %s", exc)
            return None
        return self.entry(fields)

    async def fill(
        self, entity_type: str, record_id: uuid.UUID, version: int, payload: bytes
    ) -> None:
        """Cache a record read from PostgreSQL unless a newer version is known (best effort)."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._fill(
                    keys=[self.key(entity_type, record_id)], args=[version, payload, self._ttl_ms]
                )
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("cache fill failed: %s", exc)

    async def invalidate(self, entity_type: str, record_id: uuid.UUID, version: int) -> None:
        """Record that ``version`` is the newest; raise :class:`CacheUnavailable` if Redis
        could not take it (the caller then must not acknowledge the write)."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._tombstone(
                    keys=[self.key(entity_type, record_id)], args=[version, self._ttl_ms]
                )
        except (RedisError, OSError, TimeoutError) as exc:
            raise CacheUnavailable(str(exc) or type(exc).__name__) from exc
