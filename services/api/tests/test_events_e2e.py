"""The feed and channel auth through the real app: real sessions, tokens, CSRF, writes."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.events.sequencer import sequence_pending
from switchboard_api.settings import ApiSettings
from switchboard_shared.pusher import verify_channel_auth

from fixtures.auth import UserFactory, api_token, client, sign_in
from fixtures.lifecycle import Actor, upload_file
from realtime_support.pusher_socket import PusherSocket, app_url, decode_data

SOCKET = "4242.17"


async def _drain_sequencer(api_settings: ApiSettings) -> None:
    # The shared database may have a worker sequencing too: the advisory lock makes that safe.
    url = api_settings.database_url.get_secret_value()
    engine = create_async_engine(url, pool_size=1)
    try:
        await sequence_pending(engine)
    finally:
        await engine.dispose()


async def _feed_end(http: httpx.AsyncClient) -> int:
    """The feed's end right now: next_after followed to the last page."""
    after = 0
    while True:
        page = (await http.get("/api/v1/events", params={"after": after, "limit": 500})).json()
        after = page["next_after"]
        if not page["has_more"]:
            return int(after)


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
        after = await _feed_end(http)
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


async def _subscribed(http: httpx.AsyncClient, key: str, channel: str) -> PusherSocket:
    """A Pusher connection to the stack's realtime node, subscribed to ``channel`` with the
    signature the API gives the ``http`` client's employee."""
    url = os.environ.get("SB_REALTIME_URL") or os.environ["SB_BASE_URL"]
    socket = await PusherSocket.connect(app_url(url, key))
    signed = await http.post(
        "/api/v1/realtime/auth", json={"socket_id": socket.socket_id, "channel_name": channel}
    )
    assert signed.status_code == 200, signed.text
    reply = await socket.subscribe(channel, auth=signed.json()["auth"])
    assert reply["event"] == "pusher_internal:subscription_succeeded", reply
    return socket


async def _changes_until(
    socket: PusherSocket, channel: str, record_id: str, version: int, wait: float = 15
) -> list[dict[str, Any]]:
    """The ``entity.changed`` messages about one record on ``channel``, up to the one of its
    ``version`` (a channel delivers in offset order: nothing earlier can follow it)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while not seen or seen[-1]["version"] < version:
        frame = await socket.recv(max(0.01, deadline - time.monotonic()))
        if frame["event"] == "entity.changed" and frame.get("channel") == channel:
            message = decode_data(frame)
            if message["id"] == record_id:
                seen.append(message)
    return seen


async def test_a_file_is_news_only_once_its_upload_completes(
    api_url: str, employees: UserFactory, api_settings: ApiSettings
) -> None:
    """Reads hide a pending file, and so do the channels and the feed: its start, its new
    upload form and a cancelled one's trash are kept for its history only."""
    agent = await employees.create("agent")
    async with client(api_url) as http:
        token = await api_token(http, agent)
    async with client(api_url) as http:
        http.headers["authorization"] = f"Bearer {token}"
        contact = await http.post("/api/v1/contacts", json={"name": f"Files {agent.id}"})
        assert contact.status_code == 201, contact.text
        after = await _feed_end(http)
        socket = await _subscribed(http, api_settings.realtime_key, "private-attachments")
        try:
            body = {
                "parent_type": "contacts",
                "parent_id": contact.json()["id"],
                "name": "Договор.txt",
                "size": 12,
                "content_type": "text/plain",
            }
            cancelled = await http.post("/api/v1/attachments", json=body)
            assert cancelled.status_code == 201, cancelled.text
            trashed = await http.delete(f"/api/v1/attachments/{cancelled.json()['id']}")
            assert trashed.status_code == 200, trashed.text
            started = await http.post("/api/v1/attachments", json=body)
            assert started.status_code == 201, started.text
            file_id = started.json()["id"]
            again = await http.post(f"/api/v1/attachments/{file_id}/upload")
            assert again.status_code == 200, again.text
            completed = await upload_file(Actor(agent, http), started.json(), b"hello, world")
            messages = await _changes_until(
                socket, "private-attachments", file_id, completed["version"]
            )
        finally:
            await socket.close()
        await _drain_sequencer(api_settings)
        page = (await http.get("/api/v1/events", params={"after": after})).json()
        history = (await http.get(f"/api/v1/attachments/{file_id}/history")).json()["items"]

    # The completion is the moment the file appears: the first (and only) news of it.
    assert [(m["action"], m["version"]) for m in messages] == [("updated", completed["version"])]
    assert "status" in messages[0]["fields"]
    mine = {file_id, cancelled.json()["id"]}
    files = [e for e in page["events"] if e["entity_id"] in mine]
    # (The worker may have hashed it since: a later change of a completed file.)
    assert {e["entity_id"] for e in files} == {file_id}
    assert files[0]["version"] == completed["version"]
    assert files[0]["changes"]["status"] == {"before": "pending", "after": "ready"}
    # Its history still tells the whole story.
    assert [item["action"] for item in history][:1] == ["created"]
    assert history[0]["changes"]["name"]["after"] == "Договор.txt"
