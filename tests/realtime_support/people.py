"""Signed-in employees and the few REST calls the realtime tests make (contacts, the feed)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from switchboard_api.settings import ApiSettings

from fixtures.auth import Employee, UserFactory, api_token, client, sign_in

WRITE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Person:
    """An employee signed in twice: a browser-like session (cookie + CSRF) and an API token."""

    user: Employee
    cookie: str  # "name=value", as a browser would send it
    csrf: str
    token: str

    def bearer_auth(self) -> dict[str, str]:
        """Harness ``auth`` config using the API token."""
        return {"bearer": self.token}

    def session_auth(self) -> dict[str, str]:
        """Harness ``auth`` config using the session cookie and CSRF token."""
        return {"cookie": self.cookie, "csrf": self.csrf}


async def sign_in_person(
    base_url: str, users: UserFactory, settings: ApiSettings, role: str
) -> Person:
    """A new user of ``role`` signed in through ``base_url`` (cookie session + API token)."""
    user = await users.create(role)
    async with client(base_url) as http:
        csrf = await sign_in(http, user)
        value = http.cookies.get(settings.session_cookie_name)
        assert value, f"login set no {settings.session_cookie_name} cookie"
    async with client(base_url) as http:
        token = await api_token(http, user)
    return Person(user, f"{settings.session_cookie_name}={value}", csrf, token)


class Api:
    """REST calls as one person (Bearer token), against ``base_url``."""

    def __init__(self, base_url: str, person: Person) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers={"authorization": f"Bearer {person.token}"},
            timeout=30,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=50),
        )
        self.retried = 0  # writes answered 503 (rolled back) and sent again

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def _write(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # 503 means the write was refused and rolled back (e.g. the record cache timed out
        # on a starved machine): "try again" is the documented client behaviour.
        for _ in range(WRITE_ATTEMPTS - 1):
            response = await self.http.request(method, url, **kwargs)
            if response.status_code != 503:
                return response
            self.retried += 1
            await asyncio.sleep(0.05)
        return await self.http.request(method, url, **kwargs)

    async def create_contact(self, name: str) -> dict[str, Any]:
        """``POST /api/v1/contacts``; the created record."""
        response = await self._write("POST", "/api/v1/contacts", json={"name": name})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def patch_contact(self, contact_id: str, version: int, **changes: Any) -> dict[str, Any]:
        """``PATCH /api/v1/contacts/{id}`` with ``If-Match``; the updated record."""
        response = await self._write(
            "PATCH",
            f"/api/v1/contacts/{contact_id}",
            json=changes,
            headers={"if-match": f'"{version}"'},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def feed(self, after: int, limit: int = 500) -> dict[str, Any]:
        """One page of ``GET /api/v1/events``."""
        response = await self.http.get("/api/v1/events", params={"after": after, "limit": limit})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def feed_all(self, after: int = 0) -> list[dict[str, Any]]:
        """Every event after ``after`` (paging on ``next_after``)."""
        events: list[dict[str, Any]] = []
        while True:
            page = await self.feed(after)
            events += page["events"]
            after = page["next_after"]
            if not page["has_more"]:
                return events

    async def feed_head(self) -> int:
        """The highest offset the caller can see right now (0 if none)."""
        events = await self.feed_all()
        return max((e["offset"] for e in events), default=0)


@contextlib.asynccontextmanager
async def api(base_url: str, person: Person) -> AsyncIterator[Api]:
    """An :class:`Api` closed on exit."""
    calls = Api(base_url, person)
    try:
        yield calls
    finally:
        await calls.aclose()


def ws_endpoint(base_url: str) -> tuple[str, int]:
    """Host and port pusher-js connects to for ``base_url`` (nginx proxies ``/app/``)."""
    parts = urlsplit(base_url)
    assert parts.hostname, base_url
    return parts.hostname, parts.port or 80


def harness_config(
    base_url: str,
    key: str,
    person: Person,
    channels: list[str],
    *,
    cookie_session: bool = False,
    ws: tuple[str, int] | None = None,
    replay_after: int | None = None,
    sign_in: bool = False,
) -> dict[str, Any]:
    """A tests/js/client.mjs config: connect to ``ws`` (default: through ``base_url``),
    authorize at ``base_url``'s API, subscribe to ``channels``; with ``replay_after``,
    apply contacts events on ``private-contacts`` with the recovery recipe; with
    ``sign_in``, sign the connection in (pusher-js ``userAuthentication``)."""
    host, port = ws or ws_endpoint(base_url)
    config: dict[str, Any] = {
        "key": key,
        "wsHost": host,
        "wsPort": port,
        "authEndpoint": f"{base_url}/api/v1/realtime/auth",
        "auth": person.session_auth() if cookie_session else person.bearer_auth(),
        "channels": channels,
    }
    if sign_in:
        config["userAuthEndpoint"] = f"{base_url}/api/v1/realtime/user-auth"
    if replay_after is not None:
        config["replay"] = {
            "apiBase": base_url,
            "channel": "private-contacts",
            "entityType": "contacts",
            "after": replay_after,
        }
    return config


def unique_name(prefix: str = "rt-e2e") -> str:
    """A contact name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def entity_event(channel: str, record_id: str, action: str) -> Any:
    """A matcher for the ``entity.changed`` event of one record and action on a channel (a
    subscriber may first hear the record's earlier events: the relay publishes them late)."""

    def match(line: dict[str, Any]) -> bool:
        data = line.get("data") or {}
        return (
            line["type"] == "event"
            and line["channel"] == channel
            and line["event"] == "entity.changed"
            and data.get("id") == record_id
            and data.get("action") == action
        )

    return match
