"""Auth business rules: login (rate-limited, no account enumeration), logout, tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth import cache, repository
from switchboard_api.auth.cache import CachedUser
from switchboard_api.auth.passwords import (
    hash_password_off_loop,
    needs_rehash,
    verify_password_off_loop,
)
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.ratelimit import LoginLimits, LoginRateLimiter
from switchboard_api.auth.schemas import Me
from switchboard_api.auth.sessions import SessionStore, end_user_sessions
from switchboard_api.auth.tokens import new_token, token_hash, token_hint
from switchboard_api.avatars.rules import avatar_url
from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.errors import (
    AccountDisabled,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from switchboard_api.platform import metrics
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session
from switchboard_api.preferences.repository import PreferencesRepository
from switchboard_api.preferences.schemas import Preferences

MAX_TOKENS_PER_USER = 50


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A new session, the user it belongs to, their avatar's address and their preferences
    (any browser applies them at sign-in)."""

    session_id: str
    csrf_token: str
    user: CachedUser
    avatar_url: str | None
    preferences: Preferences


def login_limiter(resources: Resources) -> LoginRateLimiter:
    """The login rate limiter configured from settings."""
    s = resources.settings
    limits = LoginLimits(
        account_address_limit=s.login_account_address_limit,
        account_limit=s.login_account_limit,
        account_window=s.login_account_window_seconds,
        address_limit=s.login_address_limit,
        address_window=s.login_address_window_seconds,
    )
    return LoginRateLimiter(resources.redis, limits)


async def login(
    uow: UnitOfWork,
    resources: Resources,
    sessions: SessionStore,
    *,
    email: str,
    password: str,
    address: str,
    previous_session_id: str | None,
) -> LoginResult:
    """Check the password and open a new session, ending the one the browser had (rotation).

    Unknown email and wrong password fail the same way, in the same time, so the answer
    reveals nothing about which accounts exist; the right password of a disabled account is
    told so (its owner needs an administrator, not another try).
    """
    limiter = login_limiter(resources)
    await limiter.attempt(email, address)
    candidate = await repository.find_login_candidate(uow.session, email.strip())
    stored = candidate.password_hash if candidate else None
    matches = await verify_password_off_loop(stored, password)
    if not matches or candidate is None:
        metrics.LOGIN_FAILURES.inc()
        raise Unauthenticated("wrong email or password")
    if not candidate.user.active:
        # Only someone who knows the password learns this, so it reveals nothing new.
        raise AccountDisabled("your account was disabled; ask an administrator")
    await limiter.succeeded(email, address)
    if stored is not None and needs_rehash(stored):
        await repository.store_password_hash(
            uow.session, candidate.user.id, await hash_password_off_loop(password)
        )
    if previous_session_id:
        await sessions.end(previous_session_id)
    preferences = await PreferencesRepository(uow.session).get(candidate.user.id)
    session_id, csrf_token = await sessions.create(candidate.user.id)
    avatar = _avatar_url(candidate.user.id, candidate.avatar_id)
    return LoginResult(session_id, csrf_token, candidate.user, avatar, preferences)


def _avatar_url(user_id: uuid.UUID, avatar_id: uuid.UUID | None) -> str | None:
    return None if avatar_id is None else avatar_url(user_id, avatar_id)


async def who_am_i(sessions: async_sessionmaker[AsyncSession], principal: Principal) -> Me:
    """The signed-in employee as ``/auth/me`` answers: who they are (from their
    authentication), their avatar and their preferences (read outside any transaction)."""
    async with read_session(sessions) as session:
        avatar_id = await repository.avatar_of(session, principal.user_id)
        preferences = await PreferencesRepository(session).get(principal.user_id)
    return Me(
        id=principal.user_id,
        email=principal.email,
        full_name=principal.full_name,
        role=principal.role,
        extension=principal.extension,
        avatar_url=_avatar_url(principal.user_id, avatar_id),
        csrf_token=principal.csrf_token,
        preferences=preferences,
    )


async def change_password(
    uow: UnitOfWork,
    resources: Resources,
    principal: Principal,
    *,
    current_password: str,
    new_password: str,
    address: str,
) -> None:
    """Replace the caller's password after checking the current one (rate-limited like a
    login); every other session of the user ends once this commits."""
    limiter = login_limiter(resources)
    await limiter.attempt(principal.email, address)
    candidate = await repository.find_login_candidate(uow.session, principal.email)
    stored = candidate.password_hash if candidate else None
    if not await verify_password_off_loop(stored, current_password) or candidate is None:
        field = FieldError(field="current_password", message="is not your current password")
        raise InvalidInput("the current password is wrong", errors=[field])
    await limiter.succeeded(principal.email, address)
    await repository.store_password_hash(
        uow.session, principal.user_id, await hash_password_off_loop(new_password)
    )

    async def end_other_sessions() -> None:
        await end_user_sessions(resources.redis, principal.user_id, keep=principal.session_id)

    uow.after_commit(end_other_sessions)


async def logout(sessions: SessionStore, principal: Principal) -> None:
    """End the caller's session (a token caller has none to end)."""
    if principal.session_id is not None:
        await sessions.end(principal.session_id)


async def create_token(
    uow: UnitOfWork, principal: Principal, *, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """Create a personal API token for the caller; returns the row and the secret."""
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= datetime.now(UTC):
            field = FieldError(field="expires_at", message="must be in the future")
            raise InvalidInput("expires_at is in the past", errors=[field])
    if await repository.count_live_tokens(uow.session, principal.user_id) >= MAX_TOKENS_PER_USER:
        raise Conflict(f"at most {MAX_TOKENS_PER_USER} API tokens per user; revoke one first")
    secret = new_token()
    row = await repository.add_token(
        uow.session,
        user_id=principal.user_id,
        name=name,
        prefix=token_hint(secret),
        token_hash=token_hash(secret),
        expires_at=expires_at,
    )
    return row, secret


async def list_tokens(uow: UnitOfWork, principal: Principal) -> list[ApiToken]:
    """The caller's live tokens."""
    return await repository.list_tokens(uow.session, principal.user_id)


async def revoke_token(
    uow: UnitOfWork, resources: Resources, principal: Principal, token_id: uuid.UUID
) -> None:
    """Revoke one of the caller's tokens; it stops working as soon as this commits."""
    await revoke_user_token(uow, resources, principal.user_id, token_id)


async def list_user_tokens(uow: UnitOfWork, user_id: uuid.UUID) -> list[ApiToken]:
    """Any user's live tokens (for admins: the route is limited to who may edit users);
    404 for a user that does not exist."""
    if await repository.load_user(uow.session, user_id) is None:
        raise NotFound(f"no users record {user_id}")
    return await repository.list_tokens(uow.session, user_id)


async def revoke_user_token(
    uow: UnitOfWork, resources: Resources, user_id: uuid.UUID, token_id: uuid.UUID
) -> None:
    """Revoke one token of ``user_id``; it stops working as soon as this commits."""
    digest = await repository.revoke_token(uow.session, user_id, token_id)
    if digest is None:
        raise NotFound("no such API token")

    async def uncache() -> None:
        await cache.forget_token(resources.redis, digest)

    uow.after_commit(uncache)
