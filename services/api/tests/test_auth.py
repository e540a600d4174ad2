"""Auth through real HTTP on a real socket, against the real PostgreSQL and Redis:
login/logout/me, session rotation, CSRF, API tokens, disabled employees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.auth.cache import forget_user
from switchboard_api.db.users import User
from switchboard_api.settings import ApiSettings

from fixtures.auth import Employee, UserFactory, api_token, client, sign_in

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
TOKENS = "/api/v1/auth/tokens"
PASSWORD = "/api/v1/auth/password"
PROBLEM = "application/problem+json"


@pytest.fixture
async def http(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(api_url) as c:
        yield c


@pytest.fixture
async def agent(employees: UserFactory) -> Employee:
    return await employees.create("agent", extension=None)


async def _set_user(api_settings: ApiSettings, user: Employee, **values: object) -> None:
    """Change a user the way the employees service does: commit, then forget the cached copy."""
    engine = create_async_engine(api_settings.database_url.get_secret_value())
    try:
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user.id).values(**values))
    finally:
        await engine.dispose()
    redis = Redis.from_url(api_settings.redis_url.get_secret_value())
    try:
        await forget_user(redis, user.id)
    finally:
        await redis.aclose()


async def test_login_sets_a_safe_session_cookie_and_me_answers(
    http: httpx.AsyncClient, agent: Employee, api_settings: ApiSettings
) -> None:
    response = await http.post(
        LOGIN, json={"email": agent.email.upper(), "password": agent.password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(agent.id)
    assert body["role"] == "agent"
    assert body["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(api_settings.session_cookie_name + "=")
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered
    me = await http.get(ME)
    assert me.status_code == 200
    assert me.json() == body


async def test_wrong_password_and_unknown_email_look_the_same(
    http: httpx.AsyncClient, agent: Employee
) -> None:
    wrong = await http.post(LOGIN, json={"email": agent.email, "password": "nope-nope"})
    unknown = await http.post(
        LOGIN, json={"email": "nobody-" + agent.email, "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"].startswith(PROBLEM)
    for key in ("type", "title", "detail"):
        assert wrong.json()[key] == unknown.json()[key]
    assert "set-cookie" not in wrong.headers
    assert (await http.get(ME)).status_code == 401


async def test_login_from_another_sites_page_is_403(
    http: httpx.AsyncClient, agent: Employee, api_url: str
) -> None:
    body = {"email": agent.email, "password": agent.password}
    for foreign in ("https://evil.example", "null", api_url.replace("127.0.0.1", "localhost")):
        response = await http.post(LOGIN, json=body, headers={"origin": foreign})
        assert response.status_code == 403, foreign
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Origin" in response.json()["detail"]
    own = await http.post(LOGIN, json=body, headers={"origin": api_url})
    assert own.status_code == 200
    no_origin = await http.post(LOGIN, json=body)  # not a browser: nothing to forge
    assert no_origin.status_code == 200


async def test_bad_login_bodies_are_400_naming_the_field(http: httpx.AsyncClient) -> None:
    response = await http.post(LOGIN, json={"email": "a@b.c"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "password" in response.text
    response = await http.post(LOGIN, json={"email": "a@b.c", "password": "x", "extra": 1})
    assert response.status_code == 400
    response = await http.post(
        LOGIN, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_logout_ends_the_session_server_side(
    http: httpx.AsyncClient, agent: Employee, api_url: str, api_settings: ApiSettings
) -> None:
    csrf = await sign_in(http, agent)
    stolen = http.cookies[api_settings.session_cookie_name]
    response = await http.post(LOGOUT, headers={"x-csrf-token": csrf})
    assert response.status_code == 204
    assert (await http.get(ME)).status_code == 401
    # The old cookie value replayed from elsewhere does not work either.
    async with client(api_url) as other:
        other.cookies.set(api_settings.session_cookie_name, stolen)
        assert (await other.get(ME)).status_code == 401


async def test_login_rotates_the_session(
    http: httpx.AsyncClient, agent: Employee, api_url: str, api_settings: ApiSettings
) -> None:
    await sign_in(http, agent)
    first = http.cookies[api_settings.session_cookie_name]
    await sign_in(http, agent)  # the browser still sends the first cookie
    second = http.cookies[api_settings.session_cookie_name]
    assert first != second
    async with client(api_url) as other:
        other.cookies.set(api_settings.session_cookie_name, first)
        assert (await other.get(ME)).status_code == 401
        other.cookies.set(api_settings.session_cookie_name, second)
        assert (await other.get(ME)).status_code == 200


async def test_garbage_session_cookie_is_401(
    http: httpx.AsyncClient, api_settings: ApiSettings
) -> None:
    http.cookies.set(api_settings.session_cookie_name, "not-a-session")
    response = await http.get(ME)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_csrf_is_required_for_cookie_writes(http: httpx.AsyncClient, agent: Employee) -> None:
    csrf = await sign_in(http, agent)
    missing = await http.post(TOKENS, json={"name": "x"})
    assert missing.status_code == 403
    assert missing.headers["content-type"].startswith(PROBLEM)
    wrong = await http.post(TOKENS, json={"name": "x"}, headers={"x-csrf-token": csrf + "x"})
    assert wrong.status_code == 403
    right = await http.post(TOKENS, json={"name": "x"}, headers={"x-csrf-token": csrf})
    assert right.status_code == 201, right.text
    # Safe methods need no token.
    assert (await http.get(TOKENS)).status_code == 200


async def test_api_tokens_create_list_use_revoke(
    http: httpx.AsyncClient, agent: Employee, api_url: str
) -> None:
    csrf = await sign_in(http, agent)
    created = await http.post(TOKENS, json={"name": "crm sync"}, headers={"x-csrf-token": csrf})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["token"]
    assert secret.startswith("sbp_")
    assert secret.startswith(body["prefix"])
    listed = (await http.get(TOKENS)).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]
    assert secret not in (await http.get(TOKENS)).text

    async with client(api_url) as integration:
        bearer = {"authorization": f"Bearer {secret}"}
        me = await integration.get(ME, headers=bearer)
        assert me.status_code == 200
        assert me.json()["id"] == str(agent.id)
        assert me.json()["csrf_token"] is None
        # Bearer writes need no CSRF token.
        extra = await integration.post(TOKENS, json={"name": "more"}, headers=bearer)
        assert extra.status_code == 201

        revoked = await http.delete(f"{TOKENS}/{body['id']}", headers={"x-csrf-token": csrf})
        assert revoked.status_code == 204
        refused = await integration.get(ME, headers=bearer)
        assert refused.status_code == 401
        again = await http.delete(f"{TOKENS}/{body['id']}", headers={"x-csrf-token": csrf})
        assert again.status_code == 404


async def test_malformed_and_unknown_bearer_tokens_are_401(http: httpx.AsyncClient) -> None:
    for value in ("Bearer", "Bearer nope", "Basic abc", "Bearer sbp_" + "x" * 43):
        response = await http.get(ME, headers={"authorization": value})
        assert response.status_code == 401, value


async def test_token_expiry(http: httpx.AsyncClient, agent: Employee) -> None:
    csrf = await sign_in(http, agent)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = await http.post(
        TOKENS, json={"name": "old", "expires_at": past}, headers={"x-csrf-token": csrf}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_at"
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    response = await http.post(
        TOKENS, json={"name": "brief", "expires_at": soon}, headers={"x-csrf-token": csrf}
    )
    assert response.status_code == 201
    bearer = {"authorization": "Bearer " + response.json()["token"]}
    assert (await http.get(ME, headers=bearer)).status_code == 200
    await asyncio.sleep(2.5)
    assert (await http.get(ME, headers=bearer)).status_code == 401


async def test_a_token_acts_with_its_owners_current_role(
    http: httpx.AsyncClient, employees: UserFactory, api_settings: ApiSettings
) -> None:
    user = await employees.create("agent")
    token = await api_token(http, user)
    bearer = {"authorization": f"Bearer {token}"}
    assert (await http.get(ME, headers=bearer)).json()["role"] == "agent"
    await _set_user(api_settings, user, role="supervisor")
    assert (await http.get(ME, headers=bearer)).json()["role"] == "supervisor"


async def test_disabled_or_trashed_users_lose_sessions_tokens_and_login(
    employees: UserFactory, api_url: str, api_settings: ApiSettings
) -> None:
    for change in ({"is_active": False}, {"deleted_at": datetime.now(UTC)}):
        user = await employees.create("supervisor")
        async with client(api_url) as browser, client(api_url) as integration:
            token = await api_token(integration, user)
            await sign_in(browser, user)
            assert (await browser.get(ME)).status_code == 200
            await _set_user(api_settings, user, **change)
            assert (await browser.get(ME)).status_code == 401
            bearer = {"authorization": f"Bearer {token}"}
            assert (await integration.get(ME, headers=bearer)).status_code == 401
            again = await browser.post(LOGIN, json={"email": user.email, "password": user.password})
            assert again.status_code == 401


async def test_unknown_method_on_a_known_path(http: httpx.AsyncClient, agent: Employee) -> None:
    assert (await http.put(ME)).status_code == 401
    await sign_in(http, agent)
    response = await http.put(ME)
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_change_password_ends_other_sessions(employees: UserFactory, api_url: str) -> None:
    user = await employees.create()
    async with client(api_url) as here, client(api_url) as elsewhere:
        csrf = await sign_in(here, user)
        await sign_in(elsewhere, user)
        wrong = await here.post(
            PASSWORD,
            json={"current_password": "not-it", "new_password": "a brand new secret"},
            headers={"x-csrf-token": csrf},
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        short = await here.post(
            PASSWORD,
            json={"current_password": user.password, "new_password": "short"},
            headers={"x-csrf-token": csrf},
        )
        assert short.status_code == 400
        changed = await here.post(
            PASSWORD,
            json={"current_password": user.password, "new_password": "a brand new secret"},
            headers={"x-csrf-token": csrf},
        )
        assert changed.status_code == 204, changed.text
        assert (await here.get(ME)).status_code == 200
        assert (await elsewhere.get(ME)).status_code == 401
        old = await elsewhere.post(LOGIN, json={"email": user.email, "password": user.password})
        assert old.status_code == 401
        new = await elsewhere.post(
            LOGIN, json={"email": user.email, "password": "a brand new secret"}
        )
        assert new.status_code == 200
