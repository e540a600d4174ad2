"""POST /api/v1/realtime/auth: signatures that verify, only channels the caller may read."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pusher
import pytest
from httpx import AsyncClient

from switchboard_api.auth import permissions
from switchboard_api.auth.permissions import Role
from switchboard_api.settings import ApiSettings

from fixtures.lifecycle import Actor

RECORD = uuid.uuid4()
SOCKET = "1234.5678"
AUTH = "/api/v1/realtime/auth"


@pytest.fixture(scope="module")
def client(agent: Actor) -> AsyncClient:
    """An agent's client of the app ``create_app`` builds (real authentication)."""
    return agent.http


def _sign(settings: ApiSettings, text: str) -> str:
    secret = settings.realtime_secret.get_secret_value().encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "channel", ["private-contacts", f"private-contacts.{RECORD}", "private-user.{me}"]
)
async def test_private_channel_signature_verifies(
    client: AsyncClient, agent: Actor, settings: ApiSettings, channel: str
) -> None:
    channel = channel.format(me=agent.user.id)
    # pusher-js posts form-encoded
    response = await client.post(AUTH, data={"socket_id": SOCKET, "channel_name": channel})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"auth"}
    key, signature = body["auth"].split(":")
    assert key == settings.realtime_key
    assert signature == _sign(settings, f"{SOCKET}:{channel}")


async def test_presence_channel_signs_channel_data_with_name_and_role(
    client: AsyncClient, agent: Actor, settings: ApiSettings
) -> None:
    channel = f"presence-deals.{RECORD}"
    response = await client.post(AUTH, json={"socket_id": SOCKET, "channel_name": channel})
    assert response.status_code == 200, response.text
    body = response.json()
    data = json.loads(body["channel_data"])
    assert data == {
        "user_id": str(agent.user.id),
        "user_info": {"name": "Test Agent", "role": "agent"},
    }
    key, signature = body["auth"].split(":")
    assert key == settings.realtime_key
    assert signature == _sign(settings, f"{SOCKET}:{channel}:{body['channel_data']}")


async def test_the_stock_pusher_library_agrees(client: AsyncClient, settings: ApiSettings) -> None:
    # the stock server library gives the same signature for the same input
    lib = pusher.Pusher(
        app_id="1",  # the library insists on a numeric id; signing does not use it
        key=settings.realtime_key,
        secret=settings.realtime_secret.get_secret_value(),
    )
    channel = f"private-tasks.{RECORD}"
    response = await client.post(AUTH, data={"socket_id": SOCKET, "channel_name": channel})
    assert response.json() == lib.authenticate(channel=channel, socket_id=SOCKET)


@pytest.mark.parametrize(
    "channel",
    [
        f"private-user.{uuid.uuid4()}",  # someone else's personal channel
        "private-api_tokens",  # a type no role may read
        f"presence-secrets.{RECORD}",
    ],
)
async def test_forbidden_channels_are_403(client: AsyncClient, channel: str) -> None:
    response = await client.post(AUTH, data={"socket_id": SOCKET, "channel_name": channel})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_type_the_role_may_not_read_is_403(
    client: AsyncClient, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = dict(permissions.MATRIX[Role.AGENT])
    del agent["deals"]
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, agent)
    for channel in ("private-deals", f"private-deals.{RECORD}", f"presence-deals.{RECORD}"):
        form = {"socket_id": SOCKET, "channel_name": channel}
        as_agent = await client.post(AUTH, data=form)
        as_admin = await admin.http.post(AUTH, data=form)
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
        ({"socket_id": SOCKET, "channel_name": f"private-user.{RECORD}.x"}, "channel_name"),
    ],
)
async def test_malformed_input_is_400_naming_the_field(
    client: AsyncClient, form: dict[str, str], field: str
) -> None:
    response = await client.post(AUTH, data=form)
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"socket_id": 5, "channel_name": "private-contacts"}', "socket_id"),
        (b'{"socket_id": "1.2"}', "channel_name"),
    ],
)
async def test_bad_json_is_400(client: AsyncClient, body: bytes, field: str) -> None:
    response = await client.post(AUTH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_malformed_json_and_oversized_bodies(client: AsyncClient) -> None:
    bad = await client.post(AUTH, content=b"{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    big = await client.post(AUTH, content=b"x" * 5000)
    assert big.status_code == 413
