"""The auth cache on real Redis: a reader that read the database before a writer's
invalidation can never put its older row back into the cache."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from switchboard_api.auth import cache
from switchboard_api.settings import get_settings


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(get_settings().redis_url.get_secret_value())
    yield client
    await client.aclose()


async def test_fill_then_read(redis: Redis) -> None:
    key = cache.user_key(uuid.uuid4())
    value, generation = await cache.read(redis, key)
    assert value is None
    await cache.fill(redis, key, generation, b"v1", 60)
    assert (await cache.read(redis, key))[0] == b"v1"
    await redis.delete(key, cache.gen_key(key))


async def test_a_fill_racing_an_invalidation_is_dropped(redis: Redis) -> None:
    user_id = uuid.uuid4()
    key = cache.user_key(user_id)
    _, seen = await cache.read(redis, key)  # reader: miss, then reads the old row from SQL
    await cache.forget_user(redis, user_id)  # writer: commits, then invalidates
    await cache.fill(redis, key, seen, b"old row", 60)  # reader: too late
    assert (await cache.read(redis, key))[0] is None
    _, current = await cache.read(redis, key)  # the next reader fills with the new row
    await cache.fill(redis, key, current, b"new row", 60)
    assert (await cache.read(redis, key))[0] == b"new row"
    await redis.delete(key, cache.gen_key(key))
