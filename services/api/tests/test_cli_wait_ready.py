"""``wait-ready --migrated`` (what the worker runs before it starts): it waits for the
schema, and says no until every migration is applied."""

from __future__ import annotations

import asyncio
import os
import sys

from switchboard_api.settings import get_settings

from fixtures.scratch_db import create_scratch_database, drop_scratch_database


async def _wait_ready(url: str, seconds: float) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "switchboard_api",
        "wait-ready",
        "--migrated",
        "--timeout",
        str(seconds),
        env={**os.environ, "API_DATABASE_URL": url},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(proc.wait(), seconds + 60)


async def test_wait_ready_waits_for_the_migrations() -> None:
    base = get_settings().database_url.get_secret_value()
    url = await create_scratch_database(base, migrate=False)
    try:
        assert await _wait_ready(url, 1.5) != 0  # no schema at all: not ready

        waiting = asyncio.create_task(_wait_ready(url, 60))
        await asyncio.sleep(1.0)
        assert not waiting.done()  # still waiting...
        migrate = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "switchboard_api",
            "migrate",
            env={**os.environ, "API_DATABASE_URL": url},
            stdout=asyncio.subprocess.DEVNULL,
        )
        assert await migrate.wait() == 0
        assert await waiting == 0  # ...until every migration is applied
    finally:
        await drop_scratch_database(base, url)
