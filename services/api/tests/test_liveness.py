"""Pooled connections: checked with one query when idle a while, trusted when just used."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.platform.liveness import check_liveness_on_checkout
from switchboard_api.settings import get_settings

EngineFactory = Callable[[float], AsyncEngine]


@pytest.fixture
async def make_engine() -> AsyncIterator[EngineFactory]:
    engines: list[AsyncEngine] = []

    def make(recently_used_seconds: float) -> AsyncEngine:
        engine = create_async_engine(get_settings().database_url.get_secret_value(), pool_size=1)
        check_liveness_on_checkout(engine, recently_used_seconds=recently_used_seconds)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.dispose()


async def _backend(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(pid: int) -> None:
    killer = create_async_engine(get_settings().database_url.get_secret_value(), pool_size=1)
    try:
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    finally:
        await killer.dispose()


async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    make_engine: EngineFactory,
) -> None:
    engine = make_engine(0.05)
    first = await _backend(engine)
    await _kill(first)  # PostgreSQL restarted, say, while the pool sat idle
    await asyncio.sleep(0.1)
    second = await _backend(engine)  # no error reaches the caller
    assert second != first


async def test_a_connection_just_returned_is_lent_without_a_check(
    make_engine: EngineFactory,
) -> None:
    """Inside the window nothing is checked (the saved round trips); a connection that died
    there fails its one caller, and the pool then reconnects."""
    engine = make_engine(60.0)
    first = await _backend(engine)
    await _kill(first)
    await asyncio.sleep(0.1)
    with pytest.raises(DBAPIError) as failed:
        await _backend(engine)
    assert failed.value.connection_invalidated  # errors.py answers this with a 503
    assert await _backend(engine) != first
