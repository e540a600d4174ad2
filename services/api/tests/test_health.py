"""Readiness names the failing dependency and answers in time even when one hangs."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar.testing import AsyncTestClient
from pydantic import SecretStr

from switchboard_api.app import create_app
from switchboard_api.settings import ApiSettings

from fixtures.auth import running_api


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers: a hung dependency."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        for w in held:
            w.close()
        server.close()


async def test_readyz_names_a_hung_redis_within_two_seconds(silent_server: int) -> None:
    settings = ApiSettings(redis_url=SecretStr(f"redis://127.0.0.1:{silent_server}/0"))
    async with running_api(settings) as url, httpx.AsyncClient(base_url=url) as client:
        started = time.monotonic()
        resp = await client.get("/api/readyz")
        elapsed = time.monotonic() - started
    assert resp.status_code == 503
    body = resp.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["postgres"]["ok"] is True
    assert elapsed < 2.0


async def test_readyz_names_a_stopped_s3() -> None:
    settings = ApiSettings(s3_endpoint_url="http://127.0.0.1:9")  # discard port: refused
    async with running_api(settings) as url, httpx.AsyncClient(base_url=url) as client:
        resp = await client.get("/api/readyz")
        outside = await client.get("/api/readyz", headers={"x-forwarded-for": "93.184.216.34"})
    assert resp.status_code == 503
    assert resp.json()["failed"] == ["s3"]
    assert outside.status_code == 503
    assert outside.json() == {"ok": False}, "no names, versions or error text for outsiders"


async def test_readyz_ok_on_the_real_stack() -> None:
    assert os.environ.get("API_DATABASE_URL"), "run with make test"
    async with running_api(ApiSettings()) as url, httpx.AsyncClient(base_url=url) as client:
        resp = await client.get("/api/readyz")
        office = await client.get("/api/readyz", headers={"x-forwarded-for": "10.1.2.3"})
        outside = await client.get(
            "/api/readyz", headers={"x-forwarded-for": "2a00:1450:4001:82b::200e"}
        )
    assert resp.status_code == 200, resp.text
    assert resp.json()["failed"] == []
    assert "PostgreSQL" in office.json()["checks"]["postgres"]["detail"]
    assert outside.status_code == 200
    assert outside.json() == {"ok": True}


async def test_an_unreachable_database_is_a_503_problem_not_a_500() -> None:
    """Requests that need PostgreSQL while it is down get a retryable 503 problem."""
    settings = ApiSettings(
        database_url=SecretStr("postgresql+asyncpg://switchboard:x@127.0.0.1:9/switchboard")
    )
    async with AsyncTestClient(create_app(settings)) as client:
        resp = await client.post(
            "/api/v1/auth/login", json={"email": "nobody@example.test", "password": "whatever1"}
        )
    assert resp.status_code == 503, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["retry-after"]) >= 1
    assert resp.json()["status"] == 503
