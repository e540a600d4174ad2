"""What the database itself reports: its server version and the migrations applied to it.

The two queries the API asks of PostgreSQL outside any domain (readiness and the migration
wait of ``prepare``); every domain query lives in its repository.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def server_version(engine: AsyncEngine) -> str:
    """PostgreSQL's ``server_version`` (e.g. ``18.1``)."""
    async with engine.connect() as conn:
        return str((await conn.execute(text("SHOW server_version"))).scalar_one())


async def applied_migrations(engine: AsyncEngine) -> set[str] | None:
    """The Alembic revisions applied, or ``None`` before the first migration made its table."""
    async with engine.connect() as conn:
        # Asked first, so that waiting for the first migration does not make PostgreSQL log a
        # missing-table error twice a second.
        if await conn.scalar(text("SELECT to_regclass('alembic_version')")) is None:
            return None
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return {str(r[0]) for r in rows}
