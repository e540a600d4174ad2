"""Server-side sessions in Redis: random ids, a CSRF token each, sliding expiry with a cap.

The cookie carries a random id; Redis stores only its SHA-256, so a dump of Redis does not
hand out live sessions. Each session is a hash ``{uid, csrf, abs}`` (``abs`` = the absolute
deadline, epoch seconds); its TTL is ``min(idle, abs - now)``, refreshed on every use.
A per-user set lists the user's sessions so they can all be ended at once.

The round trip that checks a session can also read one more Redis hash for the route (a
*prefetch*, see :class:`HashRead`), so a request served from Redis costs one round trip.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from switchboard_api.auth.cache import USER_KEY
from switchboard_api.platform.redis_batch import CommandBatcher

SESSION_KEY = "auth:session:"
USER_SESSIONS_KEY = "auth:user-sessions:"
#: Why a session was ended by someone else ("disabled", "role-changed"), under the ended
#: session's key, for a day: the browser still holding it is told the reason once it asks.
ENDED_REASON_KEY = "auth:session-ended:"
ENDED_REASON_SECONDS = 86_400
DISABLED = "disabled"
ROLE_CHANGED = "role-changed"

# One round trip per authenticated request: check and slide the session, fetch the cached
# user snapshot with its cache generation (see auth.cache) and, if asked, the fields
# ARGV[4..] of the hash KEYS[2] (read only for a live session).
_TOUCH = """
local s = redis.call('HMGET', KEYS[1], 'uid', 'csrf', 'abs')
if not s[1] then return false end
local ttl = math.min(tonumber(ARGV[2]), tonumber(s[3]) - tonumber(ARGV[1]))
if ttl <= 0 then
    redis.call('DEL', KEYS[1])
    return false
end
redis.call('EXPIRE', KEYS[1], ttl)
local ukey = ARGV[3] .. s[1]
local also = false
if KEYS[2] then also = redis.call('HMGET', KEYS[2], unpack(ARGV, 4)) end
return {s[1], s[2], redis.call('GET', ukey), redis.call('GET', ukey .. ':gen'), also}
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


def _key(session_id: str) -> str:
    return SESSION_KEY + hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Create, resolve and end sessions; the only code that knows their Redis layout."""

    def __init__(self, redis: Redis, *, idle_seconds: int, absolute_seconds: int) -> None:
        self._redis = redis
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._touch = redis.register_script(_TOUCH)
        # Every request checks its session: concurrent checks share round trips.
        self._batch = CommandBatcher(redis)

    async def create(self, user_id: uuid.UUID) -> tuple[str, str]:
        """Start a session for ``user_id``; returns ``(session_id, csrf_token)``."""
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = int(time.time())
        key = _key(session_id)
        index = USER_SESSIONS_KEY + str(user_id)
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
        keys = [_key(session_id)]
        args: list[str | int] = [int(time.time()), self._idle, USER_KEY]
        if also is not None:
            keys.append(also.key)
            args.extend(also.fields)
        try:
            found = await self._batch.execute("EVALSHA", self._touch.sha, len(keys), *keys, *args)
        except NoScriptError:  # Redis lost its scripts (restart, flush): load it and retry
            found = await self._touch(keys=keys, args=args)
        if not found:
            return None
        uid, csrf, cached, generation, prefetched = found
        try:
            user_id = uuid.UUID(uid.decode())
        except ValueError:
            return None
        return SessionState(
            session_id, user_id, csrf.decode(), cached, generation, prefetched or None
        )

    async def end(self, session_id: str, user_id: uuid.UUID | None = None) -> None:
        """End one session (logout, rotation on login)."""
        key = _key(session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if user_id is not None:
                pipe.srem(USER_SESSIONS_KEY + str(user_id), key)
            await pipe.execute()


async def end_user_sessions(
    redis: Redis, user_id: uuid.UUID, *, keep: str | None = None, reason: str | None = None
) -> None:
    """End every session of a user (password changed or reset, account disabled or purged),
    except the session ``keep`` (the one that changed the password); with ``reason``, the
    ended sessions remember it (see :func:`ended_reason`)."""
    index = USER_SESSIONS_KEY + str(user_id)
    kept = _key(keep).encode() if keep else None
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


async def ended_reason(redis: Redis, session_id: str) -> str | None:
    """Why someone else ended this (no longer live) session, if they said."""
    value = await redis.get(ENDED_REASON_KEY + _key(session_id))
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ["HashRead", "SessionState", "SessionStore", "end_user_sessions", "ended_reason"]
