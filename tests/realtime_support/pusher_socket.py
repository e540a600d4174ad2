"""The repository's one Pusher protocol-7 test client, on the ``websockets`` library.

Used by the realtime service's tests, the API's (relay, popups) and the cross-service ones.
``key`` and ``secret`` default to the realtime tests' app; tests of the stack pass the
configured ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from switchboard_shared.pusher import channel_auth

TEST_KEY = "test-key"
TEST_SECRET = "test-secret"


def decode_data(frame: dict[str, Any]) -> Any:
    """A frame's ``data``, JSON-decoded when it is a JSON string (as pusher-js does)."""
    data = frame.get("data")
    if isinstance(data, str):
        with contextlib.suppress(ValueError):
            return json.loads(data)
    return data


def app_url(base_url: str, key: str, query: str = "protocol=7") -> str:
    """The WebSocket URL of app ``key`` on a node at ``http://host:port`` (or ``ws://``)."""
    ws = base_url.replace("http://", "ws://", 1).rstrip("/")
    return f"{ws}/app/{key}?{query}"


class PusherSocket:
    """One connection: send frames, wait for the ones a test expects, subscribe to channels
    (signing private/presence ones itself unless given an ``auth``)."""

    def __init__(self, ws: ClientConnection, socket_id: str, *, key: str, secret: str) -> None:
        self.ws = ws
        self.socket_id = socket_id
        self.key = key
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        """Frames :meth:`collect` gathered, and those :meth:`subscribe` skipped."""

    @classmethod
    async def connect(
        cls, url: str, *, key: str = TEST_KEY, secret: str = TEST_SECRET, **kwargs: Any
    ) -> PusherSocket:
        """Connect to ``url`` (see :func:`app_url`) and wait for the connection's socket id."""
        ws = await connect(url, compression=None, **kwargs)
        established = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert established["event"] == "pusher:connection_established", established
        return cls(ws, decode_data(established)["socket_id"], key=key, secret=secret)

    @staticmethod
    async def connect_refused(url: str, **kwargs: Any) -> int:
        """Connect expecting a refusal (``pusher:error`` then a close); the close code."""
        async with connect(url, compression=None, **kwargs) as ws:
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert error["event"] == "pusher:error", error
            with contextlib.suppress(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            code = ws.close_code
            assert code == error["data"]["code"], (code, error)
            return code

    async def close(self) -> None:
        await self.ws.close()

    async def __aenter__(self) -> PusherSocket:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def send(self, event: str, data: Any = None, channel: str | None = None) -> None:
        frame: dict[str, Any] = {"event": event, "data": data if data is not None else {}}
        if channel is not None:
            frame["channel"] = channel
        await self.ws.send(json.dumps(frame))

    async def recv(self, wait: float = 3) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
        return frame

    async def expect(
        self, event: str, channel: str | None = None, wait: float = 3
    ) -> dict[str, Any]:
        """The next frame with this event (and channel); other frames are skipped."""
        deadline = time.monotonic() + wait
        while True:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            if frame["event"] == event and (channel is None or frame.get("channel") == channel):
                return frame

    async def assert_nothing(self, seconds: float = 0.3, event: str | None = None) -> None:
        """No frame (or no frame of ``event``) arrives within ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = await self.recv(left)
            except TimeoutError:
                return
            assert event is not None, frame
            assert frame["event"] != event, frame

    async def collect(self, seconds: float, until: str | None = None) -> list[dict[str, Any]]:
        """Every frame received for ``seconds`` (or until an event named ``until``), added
        to :attr:`received`; returns :attr:`received`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = await self.recv(left)
            except TimeoutError:
                break
            self.received.append(frame)
            if until is not None and frame.get("event") == until:
                break
        return self.received

    async def subscribe(
        self,
        channel: str,
        *,
        user_id: str | int | None = None,
        user_info: Any = None,
        secret: str | None = None,
        auth: str | None = None,
    ) -> dict[str, Any]:
        """Subscribe with a correctly signed auth (unless given); the reply frame."""
        data: dict[str, Any] = {"channel": channel}
        channel_data = None
        if user_id is not None:
            channel_data = json.dumps({"user_id": user_id, "user_info": user_info})
            data["channel_data"] = channel_data
        if auth is None and channel.startswith(("private-", "presence-")):
            signing = self.secret if secret is None else secret
            auth = channel_auth(self.key, signing, self.socket_id, channel, channel_data)
        data["auth"] = auth or ""
        await self.send("pusher:subscribe", data)
        while True:
            frame = await self.recv()
            if frame.get("channel") == channel and frame["event"] in (
                "pusher_internal:subscription_succeeded",
                "pusher:subscription_error",
            ):
                return frame
            self.received.append(frame)
