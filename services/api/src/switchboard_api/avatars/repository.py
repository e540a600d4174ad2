"""Every query of avatars beyond the files' and the users' own."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_avatar_adoptions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Until commit, no other transaction adopts an avatar for this user."""
    key = func.hashtextextended(f"sb:avatar-adoption:{user_id}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(key)))
