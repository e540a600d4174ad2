"""Ending an employee's access through the users API, the realtime sign-in endpoint, and
admins managing other employees' API tokens (real HTTP, PostgreSQL and Redis)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from switchboard_api.settings import ApiSettings

from fixtures.auth import Employee, UserFactory, api_token, client, sign_in

ME = "/api/v1/auth/me"
USER_AUTH = "/api/v1/realtime/user-auth"
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def _bearer(api_url: str, user: Employee) -> str:
    async with client(api_url) as http:
        return await api_token(http, user)


async def _status(api_url: str, **headers: str) -> int:
    async with client(api_url) as http:
        return (await http.get(ME, headers=headers)).status_code


async def _patch_user(api_url: str, admin_token: str, user_id: object, **changes: Any) -> None:
    headers = {"authorization": f"Bearer {admin_token}"}
    async with client(api_url) as http:
        current = await http.get(f"/api/v1/users/{user_id}", headers=headers)
        version = current.json()["version"]
        response = await http.patch(
            f"/api/v1/users/{user_id}",
            json=changes,
            headers={**headers, "if-match": f'"{version}"'},
        )
        assert response.status_code == 200, response.text


PROBLEM = "urn:switchboard:problem:"


@pytest.mark.parametrize(
    ("changes", "told"),
    [
        ({"password": "another-password-1"}, "unauthenticated"),
        ({"is_active": False}, "account-disabled"),
        ({"role": "supervisor"}, "role-changed"),
    ],
    ids=["password-reset", "disable", "role-change"],
)
async def test_access_ending_changes_revoke_sessions_and_tokens_for_good(
    api_url: str, employees: UserFactory, changes: dict[str, Any], told: str
) -> None:
    admin_token = await _bearer(api_url, await employees.create("admin"))
    agent = await employees.create("agent")
    token = await _bearer(api_url, agent)
    async with client(api_url) as browser:
        await sign_in(browser, agent)
        assert (await browser.get(ME)).status_code == 200
        await _patch_user(api_url, admin_token, agent.id, **changes)
        ended = await browser.get(ME)
        assert ended.status_code == 401
        # The open page is told why its session ended (disabled, role changed), not "expired".
        assert ended.json()["type"] == PROBLEM + told
        assert await _status(api_url, authorization=f"Bearer {token}") == 401
        if changes == {"is_active": False}:
            await _patch_user(api_url, admin_token, agent.id, is_active=True)
            assert (await browser.get(ME)).status_code == 401
            assert await _status(api_url, authorization=f"Bearer {token}") == 401
    listed = await _list_tokens(api_url, admin_token, agent.id)
    assert listed.json() == []


async def test_other_changes_keep_the_employee_signed_in(
    api_url: str, employees: UserFactory
) -> None:
    admin_token = await _bearer(api_url, await employees.create("admin"))
    agent = await employees.create("agent")
    token = await _bearer(api_url, agent)
    async with client(api_url) as browser:
        await sign_in(browser, agent)
        await _patch_user(api_url, admin_token, agent.id, full_name="Someone Else")
        assert (await browser.get(ME)).status_code == 200
    assert await _status(api_url, authorization=f"Bearer {token}") == 200


async def test_trash_revokes_and_restore_does_not_revive(
    api_url: str, employees: UserFactory
) -> None:
    admin_token = await _bearer(api_url, await employees.create("admin"))
    agent = await employees.create("agent")
    token = await _bearer(api_url, agent)
    admin = {"authorization": f"Bearer {admin_token}"}
    async with client(api_url) as browser:
        await sign_in(browser, agent)
        async with client(api_url) as http:
            trashed = await http.delete(f"/api/v1/users/{agent.id}", headers=admin)
            assert trashed.status_code == 200, trashed.text
            assert (await browser.get(ME)).status_code == 401
            restored = await http.post(f"/api/v1/users/{agent.id}/restore", headers=admin)
            assert restored.status_code == 200, restored.text
        assert (await browser.get(ME)).status_code == 401
    assert await _status(api_url, authorization=f"Bearer {token}") == 401


async def test_own_password_reset_keeps_the_session_it_came_from(
    api_url: str, employees: UserFactory
) -> None:
    admin = await employees.create("admin")
    other_session_token = await _bearer(api_url, admin)
    async with client(api_url) as browser, client(api_url) as elsewhere:
        csrf = await sign_in(browser, admin)
        await sign_in(elsewhere, admin)
        me = await browser.get(f"/api/v1/users/{admin.id}")
        response = await browser.patch(
            f"/api/v1/users/{admin.id}",
            json={"password": "my-own-new-password"},
            headers={"x-csrf-token": csrf, "if-match": f'"{me.json()["version"]}"'},
        )
        assert response.status_code == 200, response.text
        assert (await browser.get(ME)).status_code == 200
        assert (await elsewhere.get(ME)).status_code == 401
    assert await _status(api_url, authorization=f"Bearer {other_session_token}") == 401


async def _list_tokens(api_url: str, bearer: str, user_id: object) -> httpx.Response:
    async with client(api_url) as http:
        return await http.get(
            f"/api/v1/users/{user_id}/tokens", headers={"authorization": f"Bearer {bearer}"}
        )


async def test_admin_lists_and_revokes_an_employees_tokens(
    api_url: str, employees: UserFactory
) -> None:
    admin_token = await _bearer(api_url, await employees.create("admin"))
    supervisor_token = await _bearer(api_url, await employees.create("supervisor"))
    agent = await employees.create("agent")
    first, second = await _bearer(api_url, agent), await _bearer(api_url, agent)

    listed = await _list_tokens(api_url, admin_token, agent.id)
    assert listed.status_code == 200, listed.text
    tokens = listed.json()
    assert len(tokens) == 2
    assert all("token" not in t for t in tokens)
    by_prefix = {t["prefix"]: t["id"] for t in tokens}
    first_id = next(v for k, v in by_prefix.items() if first.startswith(k))

    unknown = await _list_tokens(api_url, admin_token, "00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    # Only who may edit users sees or revokes them.
    assert (await _list_tokens(api_url, supervisor_token, agent.id)).status_code == 403
    async with client(api_url) as http:
        path = f"/api/v1/users/{agent.id}/tokens/{first_id}"
        refused = await http.delete(path, headers={"authorization": f"Bearer {supervisor_token}"})
        assert refused.status_code == 403
        revoked = await http.delete(path, headers={"authorization": f"Bearer {admin_token}"})
        assert revoked.status_code == 204, revoked.text
        again = await http.delete(path, headers={"authorization": f"Bearer {admin_token}"})
        assert again.status_code == 404
        assert again.headers["content-type"].startswith("application/problem+json")
    assert await _status(api_url, authorization=f"Bearer {first}") == 401
    assert await _status(api_url, authorization=f"Bearer {second}") == 200
    remaining = (await _list_tokens(api_url, admin_token, agent.id)).json()
    assert [t["id"] for t in remaining] == [
        by_prefix[next(k for k in by_prefix if second.startswith(k))]
    ]


async def test_user_auth_signs_the_connection_in(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    agent = await employees.create("agent")
    async with client(api_url) as http:
        unauthenticated = await http.post(USER_AUTH, content="socket_id=1.2", headers=FORM)
        assert unauthenticated.status_code == 401
        csrf = await sign_in(http, agent)
        headers = {**FORM, "x-csrf-token": csrf}
        response = await http.post(USER_AUTH, content="socket_id=123.456", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        user_data = json.loads(body["user_data"])
        assert user_data["id"] == str(agent.id)
        assert user_data["user_info"]["role"] == "agent"
        secret = api_settings.realtime_secret.get_secret_value()
        key = api_settings.realtime_key
        signed = f"123.456::user::{body['user_data']}".encode()
        signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        assert body["auth"] == f"{key}:{signature}"

        for content, field in (("socket_id=nope", "socket_id"), ("", "socket_id")):
            bad = await http.post(USER_AUTH, content=content, headers=headers)
            assert bad.status_code == 400, bad.text
            assert bad.headers["content-type"].startswith("application/problem+json")
            assert bad.json()["errors"][0]["field"] == field
        as_json = await http.post(
            USER_AUTH, json={"socket_id": "1.2"}, headers={"x-csrf-token": csrf}
        )
        assert as_json.status_code == 200, as_json.text


async def test_a_disabled_account_is_told_so_only_with_the_right_password(
    api_url: str, employees: UserFactory
) -> None:
    admin_token = await _bearer(api_url, await employees.create("admin"))
    agent = await employees.create("agent")
    await _patch_user(api_url, admin_token, agent.id, is_active=False)
    async with client(api_url) as browser:
        right = await browser.post(
            "/api/v1/auth/login", json={"email": agent.email, "password": agent.password}
        )
        assert right.status_code == 401
        assert right.json()["type"] == PROBLEM + "account-disabled"
        wrong = await browser.post(
            "/api/v1/auth/login", json={"email": agent.email, "password": "not-the-password"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["type"] == PROBLEM + "unauthenticated"
