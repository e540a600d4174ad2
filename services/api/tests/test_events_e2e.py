"""The feed and channel auth through the real app: real sessions, tokens, CSRF, writes."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.events.sequencer import sequence_pending
from switchboard_api.settings import ApiSettings
from switchboard_shared.pusher import verify_channel_auth

from fixtures.auth import UserFactory, api_token, client, sign_in

SOCKET = "4242.17"


async def _drain_sequencer(api_settings: ApiSettings) -> None:
    # The shared database may have a worker sequencing too: the advisory lock makes that safe.
    url = api_settings.database_url.get_secret_value()
    engine = create_async_engine(url, pool_size=1)
    try:
        await sequence_pending(engine)
    finally:
        await engine.dispose()


async def test_without_credentials_the_routes_are_401(api_url: str) -> None:
    async with client(api_url) as http:
        feed = await http.get("/api/v1/events")
        auth = await http.post(
            "/api/v1/realtime/auth", data={"socket_id": SOCKET, "channel_name": "private-contacts"}
        )
        config = await http.get("/api/v1/realtime/config")
    assert (feed.status_code, auth.status_code, config.status_code) == (401, 401, 401)


async def test_the_web_client_learns_the_realtime_key_from_the_api(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    """One web build fits every deployment: the key is configuration the API hands out."""
    async with client(api_url) as http:
        await sign_in(http, await employees.create("agent"))
        response = await http.get("/api/v1/realtime/config")
    assert response.status_code == 200, response.text
    assert response.json() == {"key": api_settings.realtime_key}


async def test_a_write_through_the_api_shows_up_in_the_feed(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    agent = await employees.create("agent")
    async with client(api_url) as http:
        token = await api_token(http, agent)
    async with client(api_url) as http:
        http.headers["authorization"] = f"Bearer {token}"
        # the feed's end right now: follow next_after to the last page
        after = 0
        while True:
            page = (await http.get("/api/v1/events", params={"after": after, "limit": 500})).json()
            after = page["next_after"]
            if not page["has_more"]:
                break
        name = f"Feed Test {uuid.uuid4().hex[:6]}"
        created = await http.post("/api/v1/contacts", json={"name": name})
        assert created.status_code == 201, created.text
        contact_id = created.json()["id"]
        await _drain_sequencer(api_settings)
        page = (await http.get("/api/v1/events", params={"after": after})).json()
    mine = [e for e in page["events"] if e["entity_id"] == contact_id]
    assert len(mine) == 1
    event = mine[0]
    assert event["entity_type"] == "contacts"
    assert event["action"] == "created"
    assert event["actor_id"] == str(agent.id)
    assert event["offset"] > after
    assert event["changes"]["name"]["after"] == name


async def test_channel_auth_with_a_session_and_csrf(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    agent = await employees.create("agent")
    other = await employees.create("agent")
    key, secret = api_settings.realtime_key, api_settings.realtime_secret.get_secret_value()
    async with client(api_url) as http:
        csrf = await sign_in(http, agent)
        headers = {"x-csrf-token": csrf}

        async def auth(channel: str) -> tuple[int, dict[str, str]]:
            response = await http.post(
                "/api/v1/realtime/auth",
                data={"socket_id": SOCKET, "channel_name": channel},
                headers=headers,
            )
            return response.status_code, response.json()

        status, own = await auth(f"private-user.{agent.id}")
        assert status == 200
        assert verify_channel_auth(key, secret, SOCKET, f"private-user.{agent.id}", own["auth"])
        assert (await auth(f"private-user.{other.id}"))[0] == 403
        presence = f"presence-contacts.{uuid.uuid4()}"
        status, body = await auth(presence)
        assert status == 200
        member = json.loads(body["channel_data"])
        assert member == {
            "user_id": str(agent.id),
            "user_info": {"name": "Test Agent", "role": "agent"},
        }
        assert verify_channel_auth(
            key, secret, SOCKET, presence, body["auth"], channel_data=body["channel_data"]
        )
        no_csrf = await http.post(
            "/api/v1/realtime/auth", data={"socket_id": SOCKET, "channel_name": "private-contacts"}
        )
        assert no_csrf.status_code == 403  # cookie-authenticated writes need the CSRF token
