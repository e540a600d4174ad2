"""Turn a session id or a bearer token into a :class:`Principal` (cache first, then SQL)."""

from __future__ import annotations

import time
import uuid

import msgspec

from switchboard_api.auth import cache, repository
from switchboard_api.auth.cache import CachedToken, CachedUser
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.sessions import (
    DISABLED,
    ROLE_CHANGED,
    HashRead,
    SessionStore,
    ended_reason,
)
from switchboard_api.auth.tokens import looks_like_token, token_hash
from switchboard_api.errors import AccountDisabled, RoleChanged, Unauthenticated
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import read_session

#: Token hashes whose owner this process remembers (a token never changes owner), so a
#: bearer request reads the token and its user from Redis in one round trip.
_OWNERS_REMEMBERED = 10_000
_users = msgspec.json.Decoder(CachedUser)
_tokens = msgspec.json.Decoder(CachedToken)
_encode = msgspec.json.encode


class Authenticator:
    """Resolves credentials for one API process; holds no per-request state."""

    def __init__(self, resources: Resources) -> None:
        settings = resources.settings
        self._resources = resources
        self._ttl = settings.auth_cache_seconds
        self._owners: dict[str, uuid.UUID] = {}
        self.sessions = SessionStore(
            resources.redis,
            idle_seconds=settings.session_idle_seconds,
            absolute_seconds=settings.session_absolute_seconds,
        )

    async def from_session(
        self, session_id: str, also: HashRead | None = None
    ) -> tuple[Principal, list[bytes | None] | None]:
        """The principal of a live session of an active user, else :class:`Unauthenticated`;
        plus the fields of ``also`` if asked for (read in the same Redis round trip)."""
        state = await self.sessions.resolve(session_id, also)
        if state is None:
            reason = await ended_reason(self._resources.redis, session_id)
            if reason == DISABLED:
                raise AccountDisabled("your account was disabled; ask an administrator")
            if reason == ROLE_CHANGED:
                raise RoleChanged("an administrator changed your role; sign in again")
            raise Unauthenticated("the session has expired or was ended; sign in again")
        user = _decode_user(state.cached_user)
        if user is None or user.id != state.user_id:
            user = await self._load_user(state.user_id, state.user_generation)
        user = _require_active(user)
        principal = Principal(
            user_id=user.id,
            role=user.role,
            email=user.email,
            full_name=user.full_name,
            via="session",
            session_id=session_id,
            extension=user.extension,
            csrf_token=state.csrf_token,
        )
        return principal, state.prefetched

    async def from_bearer(self, authorization: str) -> Principal:
        """The principal of a live API token (``Authorization: Bearer sbp_...``)."""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not looks_like_token(token):
            raise Unauthenticated("expected 'Authorization: Bearer <API token>'")
        digest = token_hash(token)
        owner = self._owners.get(digest)
        keys = (cache.token_key(digest),) + ((cache.user_key(owner),) if owner else ())
        cached = await cache.read_many(self._resources.redis, *keys)
        found = await self._token(digest, cached[0])
        if found is None or (found.expires_at is not None and found.expires_at <= time.time()):
            raise Unauthenticated("the API token is unknown, expired or revoked")
        if owner != found.user_id:
            self._remember_owner(digest, found.user_id)
            user = await self._user(found.user_id)
        else:
            user = await self._user(found.user_id, cached[1])
        user = _require_active(user)
        return Principal(
            user_id=user.id,
            role=user.role,
            email=user.email,
            full_name=user.full_name,
            via="token",
            extension=user.extension,
            token_id=found.id,
        )

    def _remember_owner(self, digest: str, user_id: uuid.UUID) -> None:
        if len(self._owners) >= _OWNERS_REMEMBERED:
            self._owners.clear()  # rare, and the next requests simply remember again
        self._owners[digest] = user_id

    async def _token(
        self, digest: str, cached: tuple[bytes | None, bytes | None]
    ) -> CachedToken | None:
        key = cache.token_key(digest)
        value, generation = cached
        if value is not None:
            try:
                return _tokens.decode(value)
            except msgspec.DecodeError:
                pass  # an old or foreign format: read it again from the database
        async with read_session(self._resources.sessionmaker) as session:
            found = await repository.find_live_token(session, digest)
        if found is not None:
            await cache.fill(self._resources.redis, key, generation, _encode(found), self._ttl)
        return found

    async def _user(
        self, user_id: uuid.UUID, cached: tuple[bytes | None, bytes | None] | None = None
    ) -> CachedUser | None:
        key = cache.user_key(user_id)
        value, generation = cached or await cache.read(self._resources.redis, key)
        user = _decode_user(value)
        if user is not None and user.id == user_id:
            return user
        return await self._load_user(user_id, generation)

    async def _load_user(self, user_id: uuid.UUID, generation: bytes | None) -> CachedUser | None:
        async with read_session(self._resources.sessionmaker) as session:
            user = await repository.load_user(session, user_id)
        if user is not None:
            await cache.fill(
                self._resources.redis, cache.user_key(user_id), generation, _encode(user), self._ttl
            )
        return user


def _decode_user(value: bytes | None) -> CachedUser | None:
    if value is None:
        return None
    try:
        return _users.decode(value)
    except msgspec.DecodeError:
        return None


def _require_active(user: CachedUser | None) -> CachedUser:
    # Same answer for a purged, trashed or disabled user: the credentials no longer work.
    if user is None or not user.active:
        raise Unauthenticated("the account is disabled or no longer exists")
    return user
