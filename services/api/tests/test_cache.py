"""Cache-aside of GET by id: never stale after an acknowledged write, and reads keep
working when the cache is flushed or Redis is unavailable."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from switchboard_api.lifecycle.cache import CacheUnavailable, RecordCache
from switchboard_api.settings import ApiSettings

from fixtures.auth import running_api
from fixtures.lifecycle import Actor, unique


async def _contact(admin: Actor) -> str:
    response = await admin.http.post("/api/v1/contacts", json={"name": unique("cache")})
    assert response.status_code == 201
    contact_id: str = response.json()["id"]
    return contact_id


@pytest.fixture
async def redis(api_settings: ApiSettings) -> AsyncIterator[Redis]:
    client = Redis.from_url(api_settings.redis_url.get_secret_value())
    yield client
    await client.aclose()


async def test_get_is_served_from_the_cache_and_refreshed_after_writes(
    admin: Actor, redis: Redis
) -> None:
    contact_id = await _contact(admin)
    url = f"/api/v1/contacts/{contact_id}"
    key = RecordCache.key("contacts", uuid.UUID(contact_id))
    assert (await admin.http.get(url)).status_code == 200
    assert await redis.hget(key, "v") == b"1"
    # a value only the cache has proves the next read comes from it
    await redis.hset(key, "d", b'{"marker": true}')
    assert (await admin.http.get(url)).json() == {"marker": True}
    patched = await admin.http.patch(url, json={"company": "X"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200
    assert await redis.hmget(key, ["v", "d"]) == [b"2", b""]  # tombstone of the new version
    assert (await admin.http.get(url)).json()["company"] == "X"


async def test_readers_never_see_a_version_older_than_an_acknowledged_write(
    admin: Actor, redis: Redis
) -> None:
    contact_id = await _contact(admin)
    url = f"/api/v1/contacts/{contact_id}"
    key = RecordCache.key("contacts", uuid.UUID(contact_id))
    acknowledged = 1
    stale: list[tuple[int, int]] = []
    reads = 0
    deadline = time.monotonic() + 4.0

    async def writer(name: str) -> None:
        nonlocal acknowledged
        while time.monotonic() < deadline:
            current = (await admin.http.get(url)).json()
            response = await admin.http.patch(
                url,
                json={"job_title": f"{name}-{current['version']}"},
                headers={"If-Match": f'"{current["version"]}"'},
            )
            if response.status_code == 200:
                acknowledged = max(acknowledged, response.json()["version"])

    async def reader() -> None:
        nonlocal reads
        while time.monotonic() < deadline:
            floor = acknowledged  # acknowledged before this read started
            response = await admin.http.get(url)
            assert response.status_code == 200
            version = response.json()["version"]
            assert response.headers["etag"] == f'"{version}"'
            reads += 1
            if version < floor:
                stale.append((version, floor))

    async def flusher() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(random.uniform(0.01, 0.1))  # noqa: S311
            await redis.delete(key)

    await asyncio.gather(
        *(writer(f"w{i}") for i in range(3)), *(reader() for _ in range(8)), flusher()
    )
    assert stale == []
    assert acknowledged > 5
    assert reads > 100


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def _black_hole() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()


async def test_reads_work_with_redis_unavailable(admin: Actor, api_settings: ApiSettings) -> None:
    contact_id = await _contact(admin)
    broken = api_settings.model_copy(
        update={"redis_url": SecretStr(f"redis://127.0.0.1:{_dead_port()}/0")}
    )
    async with (
        running_api(broken) as url,
        httpx.AsyncClient(
            base_url=url, headers={"authorization": admin.http.headers["authorization"]}, timeout=30
        ) as http,
    ):
        response = await http.get(f"/api/v1/contacts/{contact_id}")
        assert response.status_code == 200, response.text
        assert response.json()["id"] == contact_id
        listed = await http.get("/api/v1/contacts", params={"limit": 1})
        assert listed.status_code == 200
        # a write cannot promise cache consistency without Redis: refused, nothing changed
        patched = await http.patch(
            f"/api/v1/contacts/{contact_id}", json={"company": "Y"}, headers={"If-Match": '"1"'}
        )
        assert patched.status_code == 503
    assert (await admin.http.get(f"/api/v1/contacts/{contact_id}")).json()["version"] == 1


async def test_a_hung_redis_costs_a_short_timeout_not_the_read() -> None:
    async with _black_hole() as port:
        redis = Redis.from_url(f"redis://127.0.0.1:{port}/0")
        cache = RecordCache(redis, ttl_seconds=60, timeout_seconds=0.2)
        record_id = uuid.uuid4()
        started = time.monotonic()
        assert await cache.get("contacts", record_id) is None
        await cache.fill("contacts", record_id, 1, b"{}")
        assert time.monotonic() - started < 2.0
        with pytest.raises(CacheUnavailable):
            await cache.invalidate("contacts", record_id, 2)
        await redis.aclose()


async def test_fill_never_replaces_a_newer_version(redis: Redis) -> None:
    cache = RecordCache(redis, ttl_seconds=60, timeout_seconds=1)
    record_id = uuid.uuid4()
    await cache.invalidate("contacts", record_id, 5)  # a write of version 5 is committing
    await cache.fill("contacts", record_id, 4, b'{"v":4}')  # a slow reader's older row
    assert await cache.get("contacts", record_id) is None
    await cache.fill("contacts", record_id, 5, b'{"v":5}')
    assert await cache.get("contacts", record_id) == (5, b'{"v":5}')
    await cache.fill("contacts", record_id, 4, b'{"v":4}')
    assert await cache.get("contacts", record_id) == (5, b'{"v":5}')
    await cache.invalidate("contacts", record_id, 4)  # an older tombstone changes nothing
    assert await cache.get("contacts", record_id) == (5, b'{"v":5}')
    await redis.delete(RecordCache.key("contacts", record_id))
