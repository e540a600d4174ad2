"""The cached GET by id on a cookie session: its cache entry is read in the session check's
Redis round trip (and concurrent session checks share round trips), without giving up what
the cache and the sessions guarantee."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.app import create_app
from switchboard_api.auth.authenticate import Authenticator
from switchboard_api.auth.cache import forget_token, forget_user
from switchboard_api.auth.tokens import token_hash
from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.db.users import User
from switchboard_api.errors import Unauthenticated
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.fastpath import CachedReadFastPath
from switchboard_api.platform.observation import RequestObservation
from switchboard_api.platform.redis_batch import CommandBatcher
from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory, api_token, client, running_api, sign_in


@pytest.fixture
async def redis(api_settings: ApiSettings) -> AsyncIterator[Redis]:
    connection = Redis.from_url(api_settings.redis_url.get_secret_value())
    yield connection
    await connection.aclose()


async def _contact(http: httpx.AsyncClient, csrf: str) -> str:
    created = await http.post(
        "/api/v1/contacts",
        json={"name": f"Hot path {uuid.uuid4().hex[:8]}"},
        headers={"x-csrf-token": csrf},
    )
    assert created.status_code == 201, created.text
    contact_id: str = created.json()["id"]
    return contact_id


async def test_session_get_is_served_from_the_entry_read_with_the_session(
    api_url: str, employees: UserFactory, redis: Redis
) -> None:
    async with client(api_url) as http:
        csrf = await sign_in(http, await employees.create("supervisor"))
        contact_id = await _contact(http, csrf)
        url = f"/api/v1/contacts/{contact_id}"
        key = RecordCache.key("contacts", uuid.UUID(contact_id))
        first = await http.get(url)
        assert first.status_code == 200
        assert await redis.hget(key, "v") == b"1"
        # A value only the cache has proves the session round trip brought the entry.
        await redis.hset(key, "d", b'{"marker": true}')
        cached = await http.get(url)
        assert cached.json() == {"marker": True}
        assert cached.headers["etag"] == '"1"'
        # A tombstone (a newer version without data) sends the read to PostgreSQL.
        await redis.hset(key, mapping={"v": 2, "d": b""})
        fresh = await http.get(url)
        assert fresh.status_code == 200
        assert fresh.json()["id"] == contact_id
        assert fresh.headers["etag"] == '"1"'
        # Ids that are not UUIDs are refused as before; unknown ones are 404.
        assert (await http.get("/api/v1/contacts/not-a-uuid")).status_code == 400
        assert (await http.get(f"/api/v1/contacts/{uuid.uuid4()}")).status_code == 404


async def test_a_deactivated_user_loses_cached_reads_at_once(
    api_url: str, employees: UserFactory, redis: Redis, api_settings: ApiSettings
) -> None:
    user = await employees.create("supervisor")
    async with client(api_url) as http:
        csrf = await sign_in(http, user)
        url = f"/api/v1/contacts/{await _contact(http, csrf)}"
        assert (await http.get(url)).status_code == 200
        assert (await http.get(url)).status_code == 200  # served from the cache
        engine = create_async_engine(api_settings.database_url.get_secret_value())
        try:
            async with engine.begin() as conn:
                await conn.execute(update(User).where(User.id == user.id).values(is_active=False))
        finally:
            await engine.dispose()
        await forget_user(redis, user.id)
        assert (await http.get(url)).status_code == 401


async def test_sessions_work_after_redis_lost_its_scripts(
    api_url: str, employees: UserFactory, redis: Redis
) -> None:
    async with client(api_url) as http:
        csrf = await sign_in(http, await employees.create("supervisor"))
        url = f"/api/v1/contacts/{await _contact(http, csrf)}"
        await redis.script_flush()
        assert (await http.get(url)).status_code == 200
        assert (await http.get("/api/v1/auth/me")).status_code == 200


class _CountingRedis(Redis):
    """A real client that counts the pipelines it opens."""

    pipelines = 0

    def pipeline(self, *args: Any, **kwargs: Any) -> Pipeline:
        self.pipelines += 1
        return super().pipeline(*args, **kwargs)


async def test_commands_of_one_loop_turn_share_one_round_trip(api_settings: ApiSettings) -> None:
    counting = _CountingRedis.from_url(api_settings.redis_url.get_secret_value())
    assert isinstance(counting, _CountingRedis)
    key = f"test:batch:{uuid.uuid4().hex}"
    try:
        batcher = CommandBatcher(counting)
        replies = await asyncio.gather(*(batcher.execute("INCR", key) for _ in range(20)))
        assert sorted(replies) == list(range(1, 21))  # each ran on its own
        assert counting.pipelines == 1
        # A failing command fails only its own caller.
        await counting.set(key + ":text", "not a number")
        outcomes = await asyncio.gather(
            batcher.execute("INCR", key),
            batcher.execute("INCR", key + ":text"),
            return_exceptions=True,
        )
        assert outcomes[0] == 21
        assert isinstance(outcomes[1], ResponseError)
        assert counting.pipelines == 2
    finally:
        await counting.delete(key, key + ":text")
        await counting.aclose()


async def test_an_unreachable_redis_fails_every_waiting_command() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    try:
        batcher = CommandBatcher(dead)
        results = await asyncio.gather(
            *(batcher.execute("GET", "x") for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, RedisConnectionError) for r in results)
    finally:
        await dead.aclose()


def _comparable(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("date", "server"))
    return response.status_code, response.content, headers


async def test_cache_hits_answer_exactly_as_the_full_path(
    api_url: str, employees: UserFactory, redis: Redis
) -> None:
    """A cache hit on a plain cookie GET is answered before the framework's layers (the
    fast path); a query string sends the same hit through the framework. Same status,
    bytes and headers either way, and the same as the miss that filled the entry."""
    async with client(api_url) as http:
        csrf = await sign_in(http, await employees.create("agent"))
        contact_id = await _contact(http, csrf)
        url = f"/api/v1/contacts/{contact_id}"
        key = RecordCache.key("contacts", uuid.UUID(contact_id))
        await redis.delete(key)
        miss = await http.get(url)
        assert await redis.hget(key, "v") == b"1"  # the miss filled the entry
        fast = await http.get(url)
        full = await http.get(url, params={"via": "framework"})
        assert _comparable(fast) == _comparable(miss) == _comparable(full)
        assert fast.headers["etag"] == '"1"'
        assert fast.json()["id"] == contact_id
        same_upper = await http.get(url.upper().replace("/API/V1/CONTACTS/", "/api/v1/contacts/"))
        assert _comparable(same_upper) == _comparable(fast)


async def test_cache_hits_still_check_the_session_and_the_version(
    api_url: str, employees: UserFactory
) -> None:
    """Logout ends cached reads at once; a write is seen by the next cached read."""
    async with client(api_url) as http:
        csrf = await sign_in(http, await employees.create("agent"))
        contact_id = await _contact(http, csrf)
        url = f"/api/v1/contacts/{contact_id}"
        for _ in range(2):
            assert (await http.get(url)).headers["etag"] == '"1"'
        changed = await http.patch(
            url, json={"name": "Renamed"}, headers={"x-csrf-token": csrf, "if-match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        after = await http.get(url)
        assert (after.headers["etag"], after.json()["name"]) == ('"2"', "Renamed")
        cookies = dict(http.cookies)
        assert (await http.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})).is_success
    async with client(api_url) as stale:
        stale.cookies.update(cookies)  # the ended session's cookie, replayed
        refused = await stale.get(url)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_bearer_and_conditional_reads_of_a_cached_record(
    api_url: str, employees: UserFactory
) -> None:
    """What the fast path leaves to the framework still gets the cached record."""
    user = await employees.create("agent")
    async with client(api_url) as http:
        csrf = await sign_in(http, user)
        contact_id = await _contact(http, csrf)
        url = f"/api/v1/contacts/{contact_id}"
        await http.get(url)
        conditional = await http.get(url, headers={"if-none-match": '"1"'})
        assert conditional.status_code in (200, 304)
    async with client(api_url) as http:
        token = await api_token(http, user)
    async with client(api_url) as bearer:
        got = await bearer.get(url, headers={"authorization": f"Bearer {token}"})
        assert got.status_code == 200
        assert got.json()["id"] == contact_id


async def test_a_cache_hit_never_reaches_the_framework(
    api_settings: ApiSettings, employees: UserFactory
) -> None:
    app = create_app(api_settings)
    observed = app.asgi_handler  # request id and metrics first, for every answer
    assert isinstance(observed, RequestObservation)
    fast = observed._app
    assert isinstance(fast, CachedReadFastPath)
    framework, reached = fast._app, []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await framework(scope, receive, send)

    fast._app = counting
    async with running_api(api_settings, app) as url, client(url) as http:
        csrf = await sign_in(http, await employees.create("agent"))
        contact_id = await _contact(http, csrf)
        path = f"/api/v1/contacts/{contact_id}"
        assert (await http.get(path)).status_code == 200  # a miss: the framework fills
        reached.clear()
        hit = await http.get(path)
        assert (hit.status_code, reached) == (200, [])
        await http.get(path, params={"x": "1"})
        assert reached == [path]


async def test_a_known_token_and_its_user_are_read_in_one_redis_round_trip(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    """Once a process has seen a token, it knows its owner (a token never changes hands)
    and reads the token and the user together; revocation still shows at once."""
    user = await employees.create("agent")
    async with client(api_url) as http:
        token = await api_token(http, user)
    header = f"Bearer {token}"
    async with open_resources(api_settings) as resources:
        authenticator = Authenticator(resources)
        first = await authenticator.from_bearer(header)  # learns the owner, fills the caches
        commands: list[str] = []
        send = resources.redis.execute_command

        async def counted(*args: Any, **kwargs: Any) -> Any:
            commands.append(str(args[0]))
            return await send(*args, **kwargs)

        resources.redis.execute_command = counted  # type: ignore[method-assign]
        second = await authenticator.from_bearer(header)
        assert commands == ["MGET"]
        assert second.user_id == first.user_id == user.id
        async with resources.sessionmaker() as session, session.begin():
            await session.execute(
                update(ApiToken).where(ApiToken.user_id == user.id).values(revoked_at=func.now())
            )
        await forget_token(resources.redis, token_hash(token))  # as a revocation does
        with pytest.raises(Unauthenticated):
            await authenticator.from_bearer(header)
