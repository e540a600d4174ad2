"""Realtime across the whole test stack, through nginx, with stock clients.

A real pusher-js (Node, from npm; tests/js/client.mjs) connects through nginx, gets its
channel signatures from the API's ``POST /api/v1/realtime/auth`` as a signed-in employee
(an API token, or a browser-like session cookie + CSRF), and receives the entity events
the stack's worker relays for writes made through the REST API. The stock ``pusher``
Python library checks the API's signatures and talks to the realtime HTTP API directly
(nginx never exposes it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pusher
import pytest

from switchboard_api.settings import ApiSettings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.pusher import sign_request

from fixtures.auth import UserFactory
from realtime_support.jsclient import JsClient, ensure_node_modules
from realtime_support.people import (
    Person,
    api,
    entity_event,
    harness_config,
    sign_in_person,
    unique_name,
)

# Offsets come from the stack's worker (sequencer + relay): one NOTIFY round trip each.
EVENT_WAIT = 10.0

# Also run on the scaled stack: what holds through nginx must hold on any number of nodes.
pytestmark = pytest.mark.scaled


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


async def person(
    base_url: str, users: UserFactory, settings: ApiSettings, role: str = "agent"
) -> Person:
    return await sign_in_person(base_url, users, settings, role)


async def test_api_write_reaches_pusher_js_on_private_and_presence_channels(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    alice = await person(base_url, users, api_settings)
    bob = await person(base_url, users, api_settings)
    key = rt_settings.app_key
    personal = f"private-user.{alice.user.id}"
    a = await JsClient.start(
        "alice", harness_config(base_url, key, alice, ["private-contacts", personal])
    )
    clients.append(a)
    await a.subscribed("private-contacts")
    await a.subscribed(personal)
    state = await a.wait_for(lambda m: m.get("current") == "connected", 5, "connected")
    assert state["socket_id"]

    # A write through the REST API reaches the type channel, with offset/version/actor.
    async with api(base_url, alice) as alice_api:
        contact = await alice_api.create_contact(unique_name())
    created = await a.wait_for(
        entity_event("private-contacts", contact["id"], "created"), EVENT_WAIT, "created event"
    )
    message = created["data"]
    assert message["type"] == "contacts"
    assert message["version"] == 1
    assert message["actor"] == str(alice.user.id)
    assert isinstance(message["offset"], int)
    assert message["offset"] > 0
    assert "name" in message["fields"]

    # Record channels: private + presence; bob signs in with a cookie session + CSRF.
    record, room = f"private-contacts.{contact['id']}", f"presence-contacts.{contact['id']}"
    mark = len(a.lines)
    await a.send(cmd="subscribe", channel=record)
    await a.send(cmd="subscribe", channel=room)
    await a.subscribed(record, since=mark)
    alone = await a.subscribed(room, since=mark)
    assert alone["members"] == {
        "count": 1,
        "me": alone["members"]["me"],
        "ids": [str(alice.user.id)],
    }
    assert alone["members"]["me"]["id"] == str(alice.user.id)

    b = await JsClient.start(
        "bob", harness_config(base_url, key, bob, [record, room], cookie_session=True)
    )
    clients.append(b)
    await b.subscribed(record)
    together = await b.subscribed(room)
    assert together["members"]["count"] == 2
    assert together["members"]["ids"] == sorted([str(alice.user.id), str(bob.user.id)])
    joined = await a.wait_for(
        lambda m: m["type"] == "member_added" and m["channel"] == room, 5, "member_added"
    )
    assert joined["user_id"] == str(bob.user.id)
    assert joined["info"]["name"]  # user_info from the API's channel_data

    # Bob's PATCH reaches both record subscribers and alice's type channel.
    async with api(base_url, bob) as bob_api:
        updated = await bob_api.patch_contact(contact["id"], contact["version"], company="Acme")
    for client in (a, b):
        got = await client.wait_for(
            entity_event(record, contact["id"], "updated"), EVENT_WAIT, "update on the record"
        )
        assert got["data"]["version"] == updated["version"] == 2
        assert got["data"]["actor"] == str(bob.user.id)
        assert got["data"]["fields"] == ["company"]
    on_type = await a.wait_for(
        entity_event("private-contacts", contact["id"], "updated"), EVENT_WAIT, "update on type"
    )

    # The feed has the same events under the same offsets (what a reconnecting client replays).
    async with api(base_url, alice) as alice_api:
        page = await alice_api.feed(after=message["offset"] - 1, limit=500)
    by_offset = {e["offset"]: e for e in page["events"]}
    assert by_offset[message["offset"]]["entity_id"] == contact["id"]
    assert by_offset[message["offset"]]["action"] == "created"
    assert by_offset[on_type["data"]["offset"]]["changes"]["company"]["after"] == "Acme"

    # Bob leaves: alice sees him go (his last connection).
    await b.close()
    left = await a.wait_for(
        lambda m: m["type"] == "member_removed" and m["channel"] == room, 10, "member_removed"
    )
    assert left["user_id"] == str(bob.user.id)


async def test_client_events_between_two_pusher_js_clients(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    alice = await person(base_url, users, api_settings)
    bob = await person(base_url, users, api_settings)
    async with api(base_url, alice) as alice_api:
        contact = await alice_api.create_contact(unique_name())
    channel = f"private-contacts.{contact['id']}"
    a = await JsClient.start(
        "alice", harness_config(base_url, rt_settings.app_key, alice, [channel])
    )
    b = await JsClient.start("bob", harness_config(base_url, rt_settings.app_key, bob, [channel]))
    clients += [a, b]
    await a.subscribed(channel)
    await b.subscribed(channel)

    await a.send(cmd="trigger", channel=channel, event="client-typing", data={"who": "alice"})
    got = await b.wait_for(
        lambda m: m["type"] == "event" and m["event"] == "client-typing", 5, "client event"
    )
    assert got["channel"] == channel
    assert got["data"] == {"who": "alice"}
    assert a.find(lambda m: m["type"] == "triggered")[0]["ok"] is True

    await b.send(cmd="trigger", channel=channel, event="client-typing", data={"who": "bob"})
    back = await a.wait_for(
        lambda m: m["type"] == "event" and m["event"] == "client-typing", 5, "reply"
    )
    assert back["data"] == {"who": "bob"}
    # Not echoed: each side saw only the other's event.
    await asyncio.sleep(0.3)
    assert [
        m["data"]["who"]
        for m in a.find(lambda m: m["type"] == "event" and m["event"] == "client-typing")
    ] == ["bob"]
    assert [
        m["data"]["who"]
        for m in b.find(lambda m: m["type"] == "event" and m["event"] == "client-typing")
    ] == ["alice"]


async def test_auth_endpoint_refuses_someone_elses_personal_channel(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    alice = await person(base_url, users, api_settings)
    bob = await person(base_url, users, api_settings)
    theirs = f"private-user.{bob.user.id}"
    a = await JsClient.start(
        "alice", harness_config(base_url, rt_settings.app_key, alice, [theirs])
    )
    clients.append(a)
    refused = await a.wait_for(
        lambda m: m.get("channel") == theirs and m["type"] in ("subscribed", "subscription_error"),
        10,
        "the subscription outcome",
    )
    assert refused["type"] == "subscription_error"
    assert refused["status"] == 403


async def test_unknown_app_key_is_refused_with_4001(
    base_url: str, users: UserFactory, api_settings: ApiSettings, clients: list[JsClient]
) -> None:
    alice = await person(base_url, users, api_settings)
    c = await JsClient.start("nokey", harness_config(base_url, "no-such-app-key", alice, []))
    clients.append(c)
    error = await c.wait_for(lambda m: m["type"] == "connection_error", 10, "a connection error")
    assert error["error"]["code"] == 4001, error
    # pusher-js treats 4001 as "refused": it gives up instead of reconnecting.
    await c.wait_for(
        lambda m: m["type"] == "state" and m["current"] in ("failed", "disconnected"),
        5,
        "the connection to stop",
    )
    assert not c.find(lambda m: m.get("current") == "connected")


async def test_stock_python_library_computes_the_api_signatures(
    base_url: str, users: UserFactory, api_settings: ApiSettings, rt_settings: RealtimeSettings
) -> None:
    alice = await person(base_url, users, api_settings)
    # authenticate() does not use the app id; "1" only satisfies the library's id check.
    lib = pusher.Pusher(
        app_id="1", key=rt_settings.app_key, secret=rt_settings.app_secret.get_secret_value()
    )
    socket_id = "1234.5678"
    async with api(base_url, alice) as alice_api:
        response = await alice_api.http.post(
            "/api/v1/realtime/auth",
            data={"socket_id": socket_id, "channel_name": "private-contacts"},
        )
    assert response.status_code == 200, response.text
    assert response.json() == lib.authenticate(channel="private-contacts", socket_id=socket_id)


async def _signed_trigger(
    rt: RealtimeSettings, secret: str, channel: str, data: dict[str, Any]
) -> httpx.Response:
    path = f"/apps/{rt.app_id}/events"
    body = json.dumps(
        {"name": "e2e.hello", "channels": [channel], "data": json.dumps(data)}
    ).encode()
    params = sign_request(rt.app_key, secret, "POST", path, body=body)
    async with httpx.AsyncClient(timeout=5) as http:
        return await http.post(
            f"http://127.0.0.1:{rt.port}{path}",
            params=params,
            content=body,
            headers={"content-type": "application/json"},
        )


async def test_realtime_http_api_checks_signatures_and_is_not_exposed(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    alice = await person(base_url, users, api_settings)
    channel = f"private-user.{alice.user.id}"
    a = await JsClient.start(
        "alice", harness_config(base_url, rt_settings.app_key, alice, [channel])
    )
    clients.append(a)
    await a.subscribed(channel)

    wrong = await _signed_trigger(rt_settings, "not-the-secret", channel, {"n": 1})
    assert wrong.status_code == 401, wrong.text
    right = await _signed_trigger(
        rt_settings, rt_settings.app_secret.get_secret_value(), channel, {"n": 2}
    )
    assert right.status_code == 200, right.text
    got = await a.wait_for(lambda m: m.get("event") == "e2e.hello", 5, "the signed trigger")
    assert got["data"] == {"n": 2}
    assert not a.find(lambda m: m.get("event") == "e2e.hello" and m["data"] == {"n": 1})

    # The same publish API is unreachable through the public entry point.
    async with httpx.AsyncClient(timeout=5) as http:
        via_nginx = await http.post(f"{base_url}/apps/{rt_settings.app_id}/events", content=b"{}")
    assert via_nginx.status_code == 404


async def test_stock_python_library_publishes_with_the_stack_app(
    base_url: str,
    users: UserFactory,
    api_settings: ApiSettings,
    rt_settings: RealtimeSettings,
    clients: list[JsClient],
) -> None:
    """The issue requires the stock ``pusher`` library to work unchanged with our service:
    that includes the app id the stack is configured with (the library accepts only
    numeric ids, as Pusher issues them)."""
    alice = await person(base_url, users, api_settings)
    channel = f"private-user.{alice.user.id}"
    a = await JsClient.start(
        "alice", harness_config(base_url, rt_settings.app_key, alice, [channel])
    )
    clients.append(a)
    await a.subscribed(channel)
    secret = rt_settings.app_secret.get_secret_value()
    try:
        lib = pusher.Pusher(
            app_id=rt_settings.app_id,
            key=rt_settings.app_key,
            secret=secret,
            host="127.0.0.1",
            port=rt_settings.port,
            ssl=False,
        )
    except ValueError as exc:
        raise AssertionError(
            f"the stock pusher library refuses the configured app id {rt_settings.app_id!r} "
            f"({exc}): RT_APP_ID / API_REALTIME_APP_ID defaults must be numeric"
        ) from None
    assert lib.trigger(channel, "e2e.stock", {"via": "pusher-http-python"}) == {}
    got = await a.wait_for(lambda m: m.get("event") == "e2e.stock", 5, "the stock trigger")
    assert got["data"] == {"via": "pusher-http-python"}
    with pytest.raises(pusher.errors.PusherBadAuth):
        pusher.Pusher(
            app_id=rt_settings.app_id,
            key=rt_settings.app_key,
            secret="wrong",
            host="127.0.0.1",
            port=rt_settings.port,
            ssl=False,
        ).trigger(channel, "e2e.stock", {"via": "forged"})
