"""Cache-aside for auth lookups (users, API tokens), safe under concurrent writes.

A reader that misses reads PostgreSQL and then fills the cache, but only if the key's
*generation* is still the one it saw before reading: a writer that committed in between
bumped the generation (and deleted the value), so the reader's possibly older row is not
cached. Writers call :func:`forget_user` / :func:`forget_token` after commit.

Redis failures while caching are logged and ignored: lookups then go to PostgreSQL.

A value and its generation share a hash tag (the user id, the token hash), so the fill
script and the invalidation's transaction touch one slot on a Redis Cluster.
"""

from __future__ import annotations

import logging
import uuid

import msgspec
from redis.exceptions import RedisError

from switchboard_api.platform.redis_link import RedisClient, mget, tag

log = logging.getLogger("switchboard_api.auth.cache")

USER_KEY = "auth:user:"
TOKEN_KEY = "auth:token:"  # noqa: S105 - a key prefix, not a secret
GENERATION_TTL_SECONDS = 86400

_FILL = """
local g = redis.call('GET', KEYS[2])
if (g or '') == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
    return 1
end
return 0
"""


class CachedUser(msgspec.Struct, frozen=True):
    """What authentication needs to know about a user, as cached in Redis."""

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    extension: str | None
    active: bool  # is_active and not trashed


class CachedToken(msgspec.Struct, frozen=True):
    """A live (not revoked) API token, as cached in Redis; expiry is checked on each use."""

    id: uuid.UUID
    user_id: uuid.UUID
    expires_at: float | None  # epoch seconds


def gen_key(key: str) -> str:
    """The generation counter belonging to a cached value's key."""
    return key + ":gen"


async def read(redis: RedisClient, key: str) -> tuple[bytes | None, bytes | None]:
    """The cached value and generation of ``key`` (``(None, None)`` if Redis fails)."""
    return (await read_many(redis, key))[0]


async def read_many(redis: RedisClient, *keys: str) -> list[tuple[bytes | None, bytes | None]]:
    """The cached value and generation of each of ``keys``, in one round trip (``(None,
    None)`` each if Redis fails)."""
    try:
        got = await mget(redis, [name for key in keys for name in (key, gen_key(key))])
    except RedisError as exc:
        log.warning("cache read failed for %s: %s", keys, exc)
        return [(None, None)] * len(keys)
    return [(_as_bytes(got[i]), _as_bytes(got[i + 1])) for i in range(0, len(got), 2)]


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


async def fill(
    redis: RedisClient, key: str, generation: bytes | None, value: bytes, ttl_seconds: int
) -> None:
    """Store ``value`` unless ``key`` was invalidated since ``generation`` was read."""
    try:
        await redis.eval(
            _FILL, 2, key, gen_key(key), (generation or b"").decode(), value, ttl_seconds
        )
    except RedisError as exc:
        log.warning("cache fill failed for %s: %s", key, exc)


async def forget(redis: RedisClient, key: str) -> None:
    """Invalidate ``key``: bump its generation and drop the value. Raises on Redis failure,
    since a writer that cannot invalidate must not pretend it did."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(gen_key(key))
        pipe.expire(gen_key(key), GENERATION_TTL_SECONDS)
        pipe.delete(key)
        await pipe.execute()


def user_key(user_id: uuid.UUID) -> str:
    """Cache key of a user's snapshot."""
    return USER_KEY + tag(user_id)


def token_key(token_hash: str) -> str:
    """Cache key of an API token, by its hash."""
    return TOKEN_KEY + tag(token_hash)


async def forget_user(redis: RedisClient, user_id: uuid.UUID) -> None:
    """Call after committing any change to a user (role, active flag, email, name,
    extension, trash, restore, purge): the next request re-reads the user, so a disabled or
    trashed user's sessions and tokens stop working at once."""
    await forget(redis, user_key(user_id))


async def forget_token(redis: RedisClient, token_hash: str) -> None:
    """Call after committing a token's revocation."""
    await forget(redis, token_key(token_hash))
