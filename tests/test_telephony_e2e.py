"""Telephony across services: an incoming call's popup reaches the ringing employee's
personal channel on a real realtime node (and nobody else's), and a stored recording plays
through nginx with Range requests, as a browser's <audio> needs to seek."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.realtime.channels import check_socket_id
from switchboard_api.settings import ApiSettings
from switchboard_shared.pusher import channel_auth

from fixtures.auth import Employee, UserFactory, api_token, client
from fixtures.telephony import (
    Simulator,
    call_row,
    eventually,
    random_extension,
    random_mobile,
    simulator,
)
from realtime_support.pusher_socket import PusherSocket, app_url

# Also run on the scaled stack: what holds through nginx must hold on any number of nodes.
pytestmark = pytest.mark.scaled


@pytest.fixture(scope="module")
async def engine(settings: ApiSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url.get_secret_value(), pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[Simulator]:
    async with simulator() as s:
        yield s


async def _token(base_url: str, user: Employee) -> str:
    async with client(base_url) as login:
        return await api_token(login, user)


async def _authorize(
    base_url: str, token: str, settings: ApiSettings, socket_id: str, channel: str
) -> str:
    """The subscription signature, from the API's auth endpoint."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/api/v1/realtime/auth",
            json={"socket_id": socket_id, "channel_name": channel},
            headers={"authorization": f"Bearer {token}"},
        )
    if response.status_code == 404:  # the auth route is not mounted in this build
        check_socket_id(socket_id)
        key, secret = settings.realtime_key, settings.realtime_secret.get_secret_value()
        return channel_auth(key, secret, socket_id, channel)
    assert response.status_code == 200, response.text
    auth: str = response.json()["auth"]
    return auth


def _popups(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(e["data"]) for e in events if e.get("event") == "call.incoming"]


async def test_popup_reaches_only_the_ringing_employee(
    base_url: str, settings: ApiSettings, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    ringing_ext, other_ext = random_extension(), random_extension()
    ringing = await users.create("agent", extension=ringing_ext)
    other = await users.create("agent", extension=other_ext)
    number = random_mobile()
    async with engine.begin() as conn:
        contact_id = (
            await conn.execute(
                text(
                    "INSERT INTO contacts (name, company, phones, phone_numbers) VALUES "
                    "('Popup Caller', 'Popup Ltd', CAST(:p AS jsonb), ARRAY[:e]) RETURNING id"
                ),
                {"p": f'[{{"type":"mobile","number":"+{number}"}}]', "e": f"+{number}"},
            )
        ).scalar_one()
    realtime = os.environ.get("SB_REALTIME_URL", base_url)
    url = app_url(realtime, settings.realtime_key)
    async with (
        await PusherSocket.connect(url) as mine,
        await PusherSocket.connect(url) as theirs,
    ):
        for sub, user in ((mine, ringing), (theirs, other)):
            channel = f"private-user.{user.id}"
            token = await _token(base_url, user)
            auth = await _authorize(base_url, token, settings, sub.socket_id, channel)
            reply = await sub.subscribe(channel, auth=auth)
            assert reply["event"] == "pusher_internal:subscription_succeeded", reply
        run = await sim.start(extension=ringing_ext, number=number, ring_seconds=3, talk_seconds=2,
                              record=False, delivery={"gap": 0.3})  # fmt: skip
        await mine.collect(15, until="call.incoming")
        await theirs.collect(2)
    popups = _popups(mine.received)
    assert len(popups) == 1, mine.received
    call = await call_row(engine, provider_call_id=run["entry_id"])
    assert call is not None
    assert popups[0]["call_id"] == str(call["id"])
    assert popups[0]["from_number"] == f"+{number}"
    assert popups[0]["contact"] == {
        "id": str(contact_id),
        "name": "Popup Caller",
        "company": "Popup Ltd",
    }
    assert _popups(theirs.received) == []
    assert mine.received[-1]["channel"] == f"private-user.{ringing.id}"


async def test_recording_plays_and_seeks_through_nginx(
    base_url: str, settings: ApiSettings, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    extension = random_extension()
    agent = await users.create("agent", extension=extension)
    run = await sim.play(extension=extension, number=random_mobile(), talk_seconds=4,
                         recording_ready_delay=0)  # fmt: skip

    async def stored() -> dict[str, Any] | None:
        call = await call_row(engine, provider_call_id=run["entry_id"])
        return call if call and call["recording_status"] == "stored" else None

    call = await eventually(stored, seconds=60, what="the recording to be stored")
    token = await _token(base_url, agent)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        url = f"/api/v1/calls/{call['id']}/recording"
        anonymous = await http.get(url)
        assert anonymous.status_code == 401
        redirect = await http.get(url, headers={"authorization": f"Bearer {token}"})
        assert redirect.status_code == 302, redirect.text
        location = redirect.headers["location"]
        assert location.startswith(f"{settings.s3_public_url}/{settings.s3_bucket}/")
        # the browser follows the link through nginx (which keeps Host, so the signature holds)
        public = location.replace(settings.s3_public_url, base_url)
        whole = await http.get(public, headers={"host": _host(settings.s3_public_url)})
        assert whole.status_code == 200, whole.text
        assert whole.headers["content-type"] == "audio/mpeg"
        assert len(whole.content) == call["recording_size"]
        part = await http.get(
            public, headers={"host": _host(settings.s3_public_url), "range": "bytes=1000-1999"}
        )
        assert part.status_code == 206
        assert part.headers["content-range"].startswith("bytes 1000-1999/")
        assert part.content == whole.content[1000:2000]
        missing = await http.get(
            f"/api/v1/calls/{uuid.uuid4()}/recording", headers={"authorization": f"Bearer {token}"}
        )
        assert missing.status_code == 404


def _host(url: str) -> str:
    return httpx.URL(url).netloc.decode()
