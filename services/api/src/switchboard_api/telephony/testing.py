"""Test support for telephony: the PBX simulator's control API, signed webhook posts,
reading calls straight from the database, and a minimal Pusher websocket subscriber."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import websockets
from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.db.calls import Call
from switchboard_api.settings import ApiSettings
from switchboard_shared.mango import build_form, encode_json

T = TypeVar("T")
CALLS = Call.__table__
assert isinstance(CALLS, Table)


def pbxsim_url() -> str:
    """The stack's PBX simulator (``make test`` exports SB_PBXSIM_URL)."""
    url = os.environ.get("SB_PBXSIM_URL")
    if not url:
        raise RuntimeError("SB_PBXSIM_URL is not set: run the suite with `make test`")
    return url


def random_mobile() -> str:
    """A fresh Russian mobile number as Mango writes it (``79...``, 11 digits)."""
    return f"7916{secrets.randbelow(10**7):07d}"


def random_extension() -> str:
    """A 5-digit extension unlikely to be used by anyone else in the suite."""
    return f"{secrets.randbelow(90_000) + 10_000}"


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, seconds: float = 20.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(0.2)


@dataclass
class Simulator:
    """The PBX simulator's control API."""

    http: httpx.AsyncClient

    async def play(self, **script: Any) -> dict[str, Any]:
        """Play a scripted call and wait until every webhook of it was delivered."""
        response = await self.http.post("/control/calls", params={"wait": "true"}, json=script)
        assert response.status_code == 201, response.text
        run: dict[str, Any] = response.json()
        assert run["status"] == "done", run
        failed = [w for w in run["webhooks"] if w["status"] != 200]
        assert not failed, failed
        return run

    async def start(self, **script: Any) -> dict[str, Any]:
        """Start a scripted call without waiting for its webhooks."""
        response = await self.http.post("/control/calls", json=script)
        assert response.status_code == 201, response.text
        run: dict[str, Any] = response.json()
        return run

    async def runs_for(self, command_id: str) -> list[dict[str, Any]]:
        """Runs the simulator played for a click-to-call command."""
        response = await self.http.get("/control/calls", params={"command_id": command_id})
        calls: list[dict[str, Any]] = response.json()["calls"]
        return calls

    async def add_line(self, number: str, name: str | None = None) -> dict[str, Any]:
        """Give the PBX another company line; the line as the PBX lists it."""
        response = await self.http.post("/control/lines", json={"number": number, "name": name})
        assert response.status_code == 201, response.text
        line: dict[str, Any] = response.json()
        return line

    async def remove_line(self, line_id: int) -> None:
        """Take a company line away from the PBX."""
        response = await self.http.delete(f"/control/lines/{line_id}")
        assert response.status_code == 204, response.text

    async def state(self) -> dict[str, Any]:
        """Members, lines and lists as the PBX holds them."""
        state: dict[str, Any] = (await self.http.get("/control/state")).json()
        return state

    async def member(self, extension: str) -> dict[str, Any] | None:
        """The PBX member with this extension, if any."""
        for user in (await self.state())["users"]:
            if user["telephony"].get("extension") == extension:
                found: dict[str, Any] = user
                return found
        return None


@asynccontextmanager
async def simulator() -> AsyncIterator[Simulator]:
    """A control client of the stack's simulator."""
    async with httpx.AsyncClient(base_url=pbxsim_url(), timeout=120) as http:
        yield Simulator(http)


async def post_webhook(
    http: httpx.AsyncClient,
    settings: ApiSettings,
    path: str,
    payload: Any,
    *,
    key: str | None = None,
    salt: str | None = None,
    tamper: Callable[[str], str] | None = None,
) -> httpx.Response:
    """POST a webhook to ``/api/v1/telephony/mango{path}`` as Mango would, signed with the
    configured key and salt (or the given ones); ``tamper`` changes the json after signing."""
    json_text = payload if isinstance(payload, str) else encode_json(payload)
    form = build_form(
        key or settings.mango_api_key,
        salt or settings.mango_api_salt.get_secret_value(),
        json_text,
    )
    fields = form.as_fields()
    if tamper is not None:
        fields["json"] = tamper(fields["json"])
    return await http.post(f"/api/v1/telephony/mango{path}", data=fields)


async def call_row(engine: AsyncEngine, **where: Any) -> dict[str, Any] | None:
    """The call with these column values, straight from PostgreSQL."""
    stmt = select(CALLS).where(*(CALLS.c[k] == v for k, v in where.items()))
    async with engine.connect() as conn:
        row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def stored_events(engine: AsyncEngine, like: str) -> int:
    """How many raw telephony events have a dedupe key matching ``like``."""
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT count(*) FROM telephony_events WHERE dedupe_key LIKE :like"),
            {"like": like},
        )
        return int(result.scalar_one())


@dataclass
class Subscriber:
    """A Pusher protocol 7 websocket client subscribed to private channels."""

    ws: Any
    socket_id: str
    events: list[dict[str, Any]] = field(default_factory=list)

    async def subscribe(self, channel: str, auth: str) -> None:
        """Subscribe and wait for the confirmation."""
        await self.ws.send(
            json.dumps({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}})
        )
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if message["event"] == "pusher_internal:subscription_succeeded":
                return
            if message["event"] == "pusher:error":
                raise AssertionError(f"subscription refused: {message}")
            self.events.append(message)

    async def collect(self, seconds: float, until: str | None = None) -> list[dict[str, Any]]:
        """Every message received for ``seconds`` (or until an event named ``until``)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                break
            message = json.loads(raw)
            self.events.append(message)
            if until is not None and message.get("event") == until:
                break
        return self.events


@asynccontextmanager
async def subscriber(realtime_url: str, key: str) -> AsyncIterator[Subscriber]:
    """A websocket connected to a realtime node (``http://host:port``)."""
    url = realtime_url.replace("http://", "ws://").rstrip("/") + f"/app/{key}?protocol=7"
    async with websockets.connect(url) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["event"] == "pusher:connection_established", hello
        socket_id = json.loads(hello["data"])["socket_id"]
        yield Subscriber(ws, socket_id)
