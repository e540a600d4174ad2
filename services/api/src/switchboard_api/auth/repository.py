"""Every SQL query of the auth domain. Columns are selected explicitly: authentication
must not depend on (or load) the rest of the users row."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.auth.cache import CachedToken, CachedUser
from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.db.users import User


def _snapshot() -> Select[uuid.UUID, str, str, str, str | None, bool]:
    # "active" folds the flag and the trash into one answer: may this user sign in?
    active = (User.is_active.is_(True) & User.deleted_at.is_(None)).label("active")
    return select(User.id, User.email, User.full_name, User.role, User.extension, active)


@dataclass(frozen=True, slots=True)
class LoginCandidate:
    """The user an email names, with what login needs to decide (and their avatar, which
    its answer shows)."""

    user: CachedUser
    password_hash: str | None
    avatar_id: uuid.UUID | None


async def find_login_candidate(session: AsyncSession, email: str) -> LoginCandidate | None:
    """The user with this email (case-insensitive), live or not; ``None`` if none."""
    query = _snapshot().add_columns(User.password_hash, User.avatar_id).where(User.email == email)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    return LoginCandidate(CachedUser(*row[:6]), row[6], row[7])


async def avatar_of(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """The user's current avatar file, if they have one."""
    avatar_id: uuid.UUID | None = await session.scalar(
        select(User.avatar_id).where(User.id == user_id)
    )
    return avatar_id


async def load_user(session: AsyncSession, user_id: uuid.UUID) -> CachedUser | None:
    """The auth snapshot of a user, or ``None`` if it no longer exists."""
    row = (await session.execute(_snapshot().where(User.id == user_id))).one_or_none()
    return None if row is None else CachedUser(*row)


async def store_password_hash(session: AsyncSession, user_id: uuid.UUID, new_hash: str) -> None:
    """Replace a user's password hash (rehash on login, create-admin, password change)."""
    await session.execute(update(User).where(User.id == user_id).values(password_hash=new_hash))


async def find_live_token(session: AsyncSession, token_hash: str) -> CachedToken | None:
    """The unrevoked token with this hash (expiry is checked by the caller)."""
    row = (
        await session.execute(
            select(ApiToken.id, ApiToken.user_id, ApiToken.expires_at).where(
                ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None)
            )
        )
    ).one_or_none()
    if row is None:
        return None
    expires = row.expires_at.timestamp() if row.expires_at else None
    return CachedToken(id=row.id, user_id=row.user_id, expires_at=expires)


async def add_token(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    name: str,
    prefix: str,
    token_hash: str,
    expires_at: datetime | None,
) -> ApiToken:
    """Insert a token row and return it (with server defaults loaded)."""
    token = ApiToken(
        user_id=user_id, name=name, prefix=prefix, token_hash=token_hash, expires_at=expires_at
    )
    session.add(token)
    await session.flush()
    await session.refresh(token)
    return token


async def count_live_tokens(session: AsyncSession, user_id: uuid.UUID) -> int:
    """How many unrevoked tokens the user has."""
    query = select(func.count()).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    return int((await session.execute(query)).scalar_one())


async def list_tokens(session: AsyncSession, user_id: uuid.UUID) -> list[ApiToken]:
    """The user's unrevoked tokens, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    return list((await session.execute(query)).scalars())


async def revoke_token(
    session: AsyncSession, user_id: uuid.UUID, token_id: uuid.UUID
) -> str | None:
    """Revoke the user's token; returns its hash (to uncache), ``None`` if there is none."""
    query = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
        .returning(ApiToken.token_hash)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def email_taken(session: AsyncSession, email: str) -> bool:
    """Whether any user (live or trashed) has this email."""
    found = await session.execute(select(User.id).where(User.email == email))
    return found.first() is not None


async def extension_taken(session: AsyncSession, extension: str) -> bool:
    """Whether any user has this PBX extension."""
    found = await session.execute(select(User.id).where(User.extension == extension))
    return found.first() is not None


async def insert_account(
    session: AsyncSession, values: Mapping[str, object], password_hash: str
) -> uuid.UUID:
    """Insert a user created outside the HTTP API; returns its id."""
    stmt = insert(User).values(**values, password_hash=password_hash).returning(User.id)
    user_id: uuid.UUID = (await session.execute(stmt)).scalar_one()
    return user_id


async def revoke_all_tokens(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """Revoke every live token of the user; returns their hashes (to uncache)."""
    query = (
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(ApiToken.token_hash)
    )
    return list((await session.execute(query)).scalars())
