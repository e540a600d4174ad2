"""An employee thrown out is out at once, live connections included, through the whole stack.

For each of an admin's password reset, disable, role change and trash: the employee's old
session cookie and old API token answer 401, their pusher-js client (signed in with
``userAuthentication``) is disconnected within 5 s, and it cannot sign in or subscribe
again. Re-enabling or restoring the account revives none of the old credentials.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pusher
import pytest

from switchboard_api.settings import ApiSettings
from switchboard_realtime.settings import RealtimeSettings

from fixtures.auth import UserFactory
from realtime_support.jsclient import JsClient, Line, ensure_node_modules
from realtime_support.people import Person, harness_config, sign_in_person

THROWN_OUT_WITHIN = 5.0
NEW_PASSWORD = "a-brand-new-password-1"


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


class Admin:
    """REST calls an admin makes on another employee's account (with an API token)."""

    def __init__(self, base_url: str, person: Person) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"authorization": f"Bearer {person.token}"}, timeout=30
        )

    async def _version(self, user_id: str) -> int:
        response = await self.http.get(f"/api/v1/users/{user_id}")
        assert response.status_code == 200, response.text
        version: int = response.json()["version"]
        return version

    async def patch(self, user_id: str, **changes: Any) -> None:
        version = await self._version(user_id)
        response = await self.http.patch(
            f"/api/v1/users/{user_id}", json=changes, headers={"if-match": f'"{version}"'}
        )
        assert response.status_code == 200, response.text

    async def trash(self, user_id: str) -> None:
        response = await self.http.delete(f"/api/v1/users/{user_id}")
        assert response.status_code == 200, response.text

    async def restore(self, user_id: str) -> None:
        response = await self.http.post(f"/api/v1/users/{user_id}/restore")
        assert response.status_code == 200, response.text


Change = Callable[[Admin, str], Awaitable[None]]


async def reset_password(admin: Admin, user_id: str) -> None:
    await admin.patch(user_id, password=NEW_PASSWORD)


async def disable(admin: Admin, user_id: str) -> None:
    await admin.patch(user_id, is_active=False)


async def change_role(admin: Admin, user_id: str) -> None:
    await admin.patch(user_id, role="supervisor")


async def trash(admin: Admin, user_id: str) -> None:
    await admin.trash(user_id)


async def undo(admin: Admin, user_id: str, change: Change) -> None:
    """Give back what the change took, where that is possible."""
    if change is disable:
        await admin.patch(user_id, is_active=True)
    elif change is trash:
        await admin.restore(user_id)


async def old_credentials_status(base_url: str, person: Person) -> tuple[int, int]:
    """What ``GET /api/v1/auth/me`` answers to the old session cookie and the old token."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        by_cookie = await http.get("/api/v1/auth/me", headers={"cookie": person.cookie})
        by_token = await http.get(
            "/api/v1/auth/me", headers={"authorization": f"Bearer {person.token}"}
        )
    return by_cookie.status_code, by_token.status_code


def closed_unauthorized(line: Line) -> bool:
    error = line.get("error")
    return (
        line["type"] == "connection_error" and isinstance(error, dict) and error.get("code") == 4009
    )


def refused_with_401(line: Line) -> bool:
    """The auth endpoint's 401 as the harness reports it: pusher-js's own (ajax) authorizer
    gives the status; the cookie-session authorizer (a custom handler, whose errors carry
    no status in pusher-js) names it in the message."""
    return line.get("status") == 401 or "answered 401" in str(line.get("error"))


async def signed_in_client(
    base_url: str, key: str, person: Person, *, cookie_session: bool
) -> tuple[JsClient, str]:
    personal = f"private-user.{person.user.id}"
    config = harness_config(
        base_url, key, person, [personal], cookie_session=cookie_session, sign_in=True
    )
    client = await JsClient.start(person.user.email, config)
    signed = await client.wait_for(lambda m: m["type"] == "signed_in", 10, "sign-in")
    assert signed["user_id"] == str(person.user.id)
    await client.subscribed(personal)
    return client, personal


@pytest.mark.parametrize(
    ("change", "cookie_session"),
    [(reset_password, True), (disable, True), (change_role, False), (trash, False)],
    ids=["password-reset", "disable", "role-change", "trash"],
)
async def test_thrown_out_employee_loses_sessions_tokens_and_live_connections(
    base_url: str,
    users: UserFactory,
    *,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
    change: Change,
    cookie_session: bool,
) -> None:
    victim = await sign_in_person(base_url, users, api_settings, "agent")
    admin_person = await sign_in_person(base_url, users, api_settings, "admin")
    bystander = await sign_in_person(base_url, users, api_settings, "agent")
    client, personal = await signed_in_client(
        base_url, rt_settings.app_key, victim, cookie_session=cookie_session
    )
    other, _ = await signed_in_client(base_url, rt_settings.app_key, bystander, cookie_session=True)
    clients.extend([client, other])
    assert await old_credentials_status(base_url, victim) == (200, 200)

    admin = Admin(base_url, admin_person)
    user_id = str(victim.user.id)
    since, started = len(client.lines), time.monotonic()
    await change(admin, user_id)
    await client.wait_for(closed_unauthorized, THROWN_OUT_WITHIN, "a 4009 close", since)
    await client.wait_for(
        lambda m: m["type"] == "state" and m["current"] == "disconnected",
        THROWN_OUT_WITHIN - (time.monotonic() - started),
        "the disconnect",
        since,
    )
    assert await old_credentials_status(base_url, victim) == (401, 401)

    # Connecting again: the old credentials sign nothing, so no sign-in, no subscription.
    again = len(client.lines)
    await client.send(cmd="connect")
    await client.wait_for(lambda m: m.get("current") == "connected", 10, "reconnect", again)
    refused = await client.wait_for(
        lambda m: (
            m.get("channel") == personal and m["type"] in ("subscribed", "subscription_error")
        ),
        10,
        "the resubscription's outcome",
        again,
    )
    assert refused["type"] == "subscription_error", refused
    assert refused_with_401(refused), refused
    signin = await client.wait_for(
        lambda m: m["type"] in ("signed_in", "signin_error"), 10, "the sign-in's outcome", again
    )
    assert signin["type"] == "signin_error", signin
    assert refused_with_401(signin), signin

    # Giving the account back does not revive the old session or token.
    await undo(admin, user_id, change)
    assert await old_credentials_status(base_url, victim) == (401, 401)
    # Another employee's connection was never touched.
    assert not other.find(closed_unauthorized)
    assert not other.find(lambda m: m["type"] == "state" and m["current"] == "disconnected")
    await admin.http.aclose()


async def test_renaming_an_employee_keeps_them_signed_in(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    victim = await sign_in_person(base_url, users, api_settings, "agent")
    admin_person = await sign_in_person(base_url, users, api_settings, "admin")
    client, _ = await signed_in_client(base_url, rt_settings.app_key, victim, cookie_session=True)
    clients.append(client)
    admin = Admin(base_url, admin_person)
    since = len(client.lines)
    await admin.patch(str(victim.user.id), full_name="Renamed Employee")
    await asyncio.sleep(1.5)
    assert not client.find(closed_unauthorized, since)
    assert await old_credentials_status(base_url, victim) == (200, 200)
    await admin.http.aclose()


async def test_terminate_connections_with_the_stock_python_library(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    victim = await sign_in_person(base_url, users, api_settings, "agent")
    client, _ = await signed_in_client(base_url, rt_settings.app_key, victim, cookie_session=False)
    clients.append(client)
    node = pusher.Pusher(
        app_id=rt_settings.app_id,
        key=rt_settings.app_key,
        secret=rt_settings.app_secret.get_secret_value(),
        host="127.0.0.1",
        port=rt_settings.port,
        ssl=False,
    )
    since = len(client.lines)
    assert await asyncio.to_thread(node.terminate_user_connections, str(victim.user.id)) == {}
    await client.wait_for(closed_unauthorized, THROWN_OUT_WITHIN, "a 4009 close", since)
