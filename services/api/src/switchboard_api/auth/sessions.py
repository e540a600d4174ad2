"""Server-side sessions in Redis: random ids, a CSRF token each, sliding expiry with a cap.

The cookie carries a random id; Redis stores only its SHA-256, so a dump of Redis does not
hand out live sessions. Each session is a hash ``{uid, csrf, abs}`` (``abs`` = the absolute
deadline, epoch seconds); its TTL is ``min(idle, abs - now)``, refreshed on every use.
A per-user set lists the user's sessions so they can all be ended at once.

A session id starts with its user's id (``<user id>.<random>``), so every key of one user's
sessions (the sessions, their index, the cached user snapshot) carries the user id as its
hash tag: on a Redis Cluster they share one slot, and the session check, the login's and
the logout's transactions stay one atomic step each.

The round trip that checks a session can also read one more Redis hash for the route (a
*prefetch*, see :class:`HashRead`), so a request served from Redis costs one round trip (on
a cluster that hash lives in another slot: it is read in the same pipeline, beside the
check).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import RedisCluster
from redis.exceptions import NoScriptError

from switchboard_api.auth.cache import gen_key, user_key
from switchboard_api.platform.redis_batch import CommandBatcher
from switchboard_api.platform.redis_link import RedisClient, tag

SESSION_KEY = "auth:session:"
USER_SESSIONS_KEY = "auth:user-sessions:"
#: Why a session was ended by someone else ("disabled", "role-changed"), under the ended
#: session's key, for a day: the browser still holding it is told the reason once it asks.
ENDED_REASON_KEY = "auth:session-ended:"
ENDED_REASON_SECONDS = 86_400
DISABLED = "disabled"
ROLE_CHANGED = "role-changed"

# One round trip per authenticated request: check and slide the session KEYS[1], fetch the
# cached user snapshot KEYS[2] with its cache generation KEYS[3] (see auth.cache) and, if
# asked, the fields ARGV[3..] of the hash KEYS[4] (read only for a live session).
_TOUCH = """
local s = redis.call('HMGET', KEYS[1], 'uid', 'csrf', 'abs')
if not s[1] then return false end
local ttl = math.min(tonumber(ARGV[2]), tonumber(s[3]) - tonumber(ARGV[1]))
if ttl <= 0 then
    redis.call('DEL', KEYS[1])
    return false
end
redis.call('EXPIRE', KEYS[1], ttl)
local also = false
if KEYS[4] then also = redis.call('HMGET', KEYS[4], unpack(ARGV, 3)) end
return {s[1], s[2], redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), also}
"""


@dataclass(frozen=True, slots=True)
class HashRead:
    """Fields of one Redis hash to read in the same round trip as the session check."""

    key: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionState:
    """A live session as the request sees it, plus the cached user snapshot if any."""

    session_id: str
    user_id: uuid.UUID
    csrf_token: str
    cached_user: bytes | None
    user_generation: bytes | None
    prefetched: list[bytes | None] | None = None
    """The values of the :class:`HashRead` fields, if one was asked for."""


def _user_of(session_id: str) -> uuid.UUID | None:
    """The user id a session id starts with; None for an id not of that form (a forged one,
    or one issued before ids carried it: those sessions ended with that upgrade)."""
    prefix, dot, _ = session_id.partition(".")
    if not dot:
        return None
    try:
        user_id = uuid.UUID(prefix)
    except ValueError:
        return None
    return user_id if str(user_id) == prefix else None


def _key(session_id: str, user_id: uuid.UUID) -> str:
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    return SESSION_KEY + tag(user_id) + ":" + digest


def _index(user_id: uuid.UUID) -> str:
    return USER_SESSIONS_KEY + tag(user_id)


class SessionStore:
    """Create, resolve and end sessions; the only code that knows their Redis layout."""

    def __init__(self, redis: RedisClient, *, idle_seconds: int, absolute_seconds: int) -> None:
        self._redis = redis
        # A cluster keeps a record's cache entry in another slot than the session.
        self._prefetch_apart = isinstance(redis, RedisCluster)
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._touch = redis.register_script(_TOUCH)
        # Every request checks its session: concurrent checks share round trips.
        self._batch = CommandBatcher(redis)

    async def create(self, user_id: uuid.UUID) -> tuple[str, str]:
        """Start a session for ``user_id``; returns ``(session_id, csrf_token)``."""
        session_id = f"{user_id}.{secrets.token_urlsafe(32)}"
        csrf_token = secrets.token_urlsafe(32)
        now = int(time.time())
        key = _key(session_id, user_id)
        index = _index(user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={"uid": str(user_id), "csrf": csrf_token, "abs": now + self._absolute},
            )
            pipe.expire(key, min(self._idle, self._absolute))
            pipe.sadd(index, key)
            pipe.expire(index, self._absolute)
            await pipe.execute()
        return session_id, csrf_token

    async def resolve(self, session_id: str, also: HashRead | None = None) -> SessionState | None:
        """The live session for ``session_id`` (sliding its expiry), or ``None``; with
        ``also``, that hash's fields are read in the same round trip."""
        user_id = _user_of(session_id)
        if user_id is None:
            return None
        cached = user_key(user_id)
        keys = [_key(session_id, user_id), cached, gen_key(cached)]
        args: list[str | int] = [int(time.time()), self._idle]
        if also is not None and self._prefetch_apart:
            found, prefetched = await asyncio.gather(
                self._check(keys, args), self._batch.execute("HMGET", also.key, *also.fields)
            )
            if found:
                found[4] = prefetched
        else:
            if also is not None:
                keys.append(also.key)
                args.extend(also.fields)
            found = await self._check(keys, args)
        if not found:
            return None
        uid, csrf, cached_user, generation, fields = found
        if uid.decode() != str(user_id):
            return None
        return SessionState(
            session_id, user_id, csrf.decode(), cached_user, generation, fields or None
        )

    async def _check(self, keys: list[str], args: list[str | int]) -> Any:
        try:
            return await self._batch.execute("EVALSHA", self._touch.sha, len(keys), *keys, *args)
        except NoScriptError:  # Redis lost its scripts (restart, flush): load it and retry
            return await self._touch(keys=keys, args=args)

    async def end(self, session_id: str) -> None:
        """End one session (logout, rotation on login)."""
        user_id = _user_of(session_id)
        if user_id is None:
            return
        key = _key(session_id, user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.srem(_index(user_id), key)
            await pipe.execute()


async def end_user_sessions(
    redis: RedisClient,
    user_id: uuid.UUID,
    *,
    keep: str | None = None,
    reason: str | None = None,
) -> None:
    """End every session of a user (password changed or reset, account disabled or purged),
    except the session ``keep`` (the one that changed the password); with ``reason``, the
    ended sessions remember it (see :func:`ended_reason`)."""
    index = _index(user_id)
    kept = _key(keep, user_id).encode() if keep else None
    keys = [k for k in await redis.smembers(index) if k != kept]
    if keys:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.delete(*keys)
            pipe.srem(index, *keys)
            if reason is not None:
                for key in keys:
                    name = key.decode() if isinstance(key, bytes) else str(key)
                    pipe.set(ENDED_REASON_KEY + name, reason, ex=ENDED_REASON_SECONDS)
            await pipe.execute()


async def ended_reason(redis: RedisClient, session_id: str) -> str | None:
    """Why someone else ended this (no longer live) session, if they said."""
    user_id = _user_of(session_id)
    if user_id is None:
        return None
    value = await redis.get(ENDED_REASON_KEY + _key(session_id, user_id))
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ["HashRead", "SessionState", "SessionStore", "end_user_sessions", "ended_reason"]
