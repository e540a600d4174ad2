"""POST /api/v1/realtime/auth: signatures that verify, only channels the caller may read."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pusher
import pytest
from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from switchboard_api.auth import permissions
from switchboard_api.auth.permissions import Role
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import EXCEPTION_HANDLERS
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.realtime.controllers import realtime_auth
from switchboard_api.settings import ApiSettings, get_settings

USER = uuid.uuid4()
RECORD = uuid.uuid4()
SOCKET = "1234.5678"


def _principal(request: Request[Any, Any, Any]) -> Principal:
    # Test stand-in for the auth middleware: the role comes from a header.
    return Principal(
        user_id=USER,
        role=request.headers.get("x-test-role", "agent"),
        email="agent@example.com",
        full_name="Ann Agent",
        via="session",
    )


def _resources(state: State) -> Resources:
    resources: Resources = state.resources
    return resources


def auth_app(settings: ApiSettings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    return Litestar(
        route_handlers=[Router(path="/api", route_handlers=[realtime_auth])],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies={
            "resources": Provide(_resources, sync_to_thread=False),
            "principal": Provide(_principal, sync_to_thread=False),
        },
    )


@pytest.fixture(scope="module")
def settings() -> ApiSettings:
    return get_settings()


@pytest.fixture(scope="module")
async def client(settings: ApiSettings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=auth_app(settings)) as client:
        yield client


def _sign(settings: ApiSettings, text: str) -> str:
    secret = settings.realtime_secret.get_secret_value().encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "channel", ["private-contacts", f"private-contacts.{RECORD}", f"private-user.{USER}"]
)
async def test_private_channel_signature_verifies(
    client: AsyncTestClient[Litestar], settings: ApiSettings, channel: str
) -> None:
    # pusher-js posts form-encoded
    response = await client.post(
        "/api/v1/realtime/auth", data={"socket_id": SOCKET, "channel_name": channel}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"auth"}
    key, signature = body["auth"].split(":")
    assert key == settings.realtime_key
    assert signature == _sign(settings, f"{SOCKET}:{channel}")


async def test_presence_channel_signs_channel_data_with_name_and_role(
    client: AsyncTestClient[Litestar], settings: ApiSettings
) -> None:
    channel = f"presence-deals.{RECORD}"
    response = await client.post(
        "/api/v1/realtime/auth", json={"socket_id": SOCKET, "channel_name": channel}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    data = json.loads(body["channel_data"])
    assert data == {"user_id": str(USER), "user_info": {"name": "Ann Agent", "role": "agent"}}
    key, signature = body["auth"].split(":")
    assert key == settings.realtime_key
    assert signature == _sign(settings, f"{SOCKET}:{channel}:{body['channel_data']}")


async def test_the_stock_pusher_library_agrees(
    client: AsyncTestClient[Litestar], settings: ApiSettings
) -> None:
    # the stock server library gives the same signature for the same input
    lib = pusher.Pusher(
        app_id="1",  # the library insists on a numeric id; signing does not use it
        key=settings.realtime_key,
        secret=settings.realtime_secret.get_secret_value(),
    )
    channel = f"private-tasks.{RECORD}"
    response = await client.post(
        "/api/v1/realtime/auth", data={"socket_id": SOCKET, "channel_name": channel}
    )
    assert response.json() == lib.authenticate(channel=channel, socket_id=SOCKET)


@pytest.mark.parametrize(
    "channel",
    [
        f"private-user.{uuid.uuid4()}",  # someone else's personal channel
        "private-api_tokens",  # a type no role may read
        f"presence-secrets.{RECORD}",
    ],
)
async def test_forbidden_channels_are_403(client: AsyncTestClient[Litestar], channel: str) -> None:
    response = await client.post(
        "/api/v1/realtime/auth", data={"socket_id": SOCKET, "channel_name": channel}
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_type_the_role_may_not_read_is_403(
    client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = dict(permissions.MATRIX[Role.AGENT])
    del agent["deals"]
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, agent)
    for channel in ("private-deals", f"private-deals.{RECORD}", f"presence-deals.{RECORD}"):
        form = {"socket_id": SOCKET, "channel_name": channel}
        as_agent = await client.post("/api/v1/realtime/auth", data=form)
        as_admin = await client.post(
            "/api/v1/realtime/auth", data=form, headers={"x-test-role": "admin"}
        )
        assert (as_agent.status_code, as_admin.status_code) == (403, 200)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"socket_id": "abc", "channel_name": "private-contacts"}, "socket_id"),
        ({"socket_id": "1.2.3", "channel_name": "private-contacts"}, "socket_id"),
        ({"channel_name": "private-contacts"}, "socket_id"),
        ({"socket_id": SOCKET}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": "contacts"}, "channel_name"),  # public
        ({"socket_id": SOCKET, "channel_name": "private-encrypted-x"}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": "private-contacts.not-a-uuid"}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": "presence-contacts"}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": "private-" + "x" * 200}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": "private-con tacts"}, "channel_name"),
        ({"socket_id": SOCKET, "channel_name": f"private-user.{USER}.x"}, "channel_name"),
    ],
)
async def test_malformed_input_is_400_naming_the_field(
    client: AsyncTestClient[Litestar], form: dict[str, str], field: str
) -> None:
    response = await client.post("/api/v1/realtime/auth", data=form)
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"socket_id": 5, "channel_name": "private-contacts"}', "socket_id"),
        (b'{"socket_id": "1.2"}', "channel_name"),
    ],
)
async def test_bad_json_is_400(client: AsyncTestClient[Litestar], body: bytes, field: str) -> None:
    response = await client.post(
        "/api/v1/realtime/auth", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_malformed_json_and_oversized_bodies(client: AsyncTestClient[Litestar]) -> None:
    bad = await client.post(
        "/api/v1/realtime/auth", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    big = await client.post("/api/v1/realtime/auth", content=b"x" * 5000)
    assert big.status_code == 413
