"""Test support for the event pipeline: throwaway databases with the real migrations.

The sequencer and relay are process-wide singletons per database (advisory locks), so
tests that run their own sequencer, relay or worker use a database of their own: a
worker of the running stack never competes with them, and they never touch its data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys

import asyncpg
from sqlalchemy.engine import make_url

from switchboard_api.events.pg import asyncpg_dsn


async def create_scratch_database(base_url: str, *, migrate: bool = True) -> str:
    """Create an empty database next to ``base_url``'s, migrate it; return its URL."""
    name = f"sb_scratch_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(asyncpg_dsn(base_url), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    if migrate:
        env = {**os.environ, "API_DATABASE_URL": url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "switchboard_api",
            "migrate",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        if proc.returncode:
            raise RuntimeError(f"migrating {name} failed:\n{err.decode()[-2000:]}")
    return url


async def drop_scratch_database(base_url: str, url: str) -> None:
    """Drop a database made by :func:`create_scratch_database` (closing its sessions)."""
    name = make_url(url).database
    if not name or not name.startswith("sb_scratch_"):
        raise ValueError(f"refusing to drop {name!r}: not a scratch database")
    conn = await asyncpg.connect(asyncpg_dsn(base_url), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
