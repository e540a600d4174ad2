"""With Redis unreachable: API tokens still authenticate (from PostgreSQL), while sessions
and login answer 503 problems instead of failing with a 500."""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.auth.tokens import new_token, token_hash, token_hint
from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory, client


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    dead = SecretStr(f"redis://127.0.0.1:{_closed_port()}/0")
    return settings.model_copy(update={"redis_url": dead})


async def _token_for(api_settings: ApiSettings, user_id: object) -> str:
    secret = new_token()
    engine = create_async_engine(api_settings.database_url.get_secret_value())
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(ApiToken).values(
                    user_id=user_id,
                    name="degraded",
                    prefix=token_hint(secret),
                    token_hash=token_hash(secret),
                )
            )
    finally:
        await engine.dispose()
    return secret


async def test_tokens_work_without_redis(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    user = await employees.create("supervisor")
    secret = await _token_for(api_settings, user.id)
    async with client(api_url) as http:
        response = await http.get("/api/v1/auth/me", headers={"authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "supervisor"


async def test_sessions_and_login_are_503_without_redis(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    user = await employees.create()
    async with client(api_url) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
        assert login.status_code == 503
        assert login.headers["content-type"].startswith("application/problem+json")
        # A session id of the issued form (its user's id first) must be looked up in Redis.
        http.cookies.set(api_settings.session_cookie_name, f"{user.id}.whatever")
        me = await http.get("/api/v1/auth/me")
        assert me.status_code == 503
        # One of no issued form names no session: refused without asking Redis.
        http.cookies.set(api_settings.session_cookie_name, "whatever")
        assert (await http.get("/api/v1/auth/me")).status_code == 401
