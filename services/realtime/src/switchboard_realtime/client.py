"""One client connection as the fan-out sees it: writes that never wait, and its state."""

from __future__ import annotations

import contextlib

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from switchboard_realtime.apps import App
from switchboard_realtime.background import Background
from switchboard_realtime.protocol.client_events import TokenBucket
from switchboard_realtime.protocol.subscriptions import Member
from switchboard_realtime.wsframe import text_frame

# A client this far over the limit is dropped at once, whatever the grace: it bounds memory.
HARD_LIMIT_FACTOR = 4


class Client:
    """A connected socket: its app, socket id, channels and liveness/back-pressure state."""

    __slots__ = (
        "address",
        "app",
        "channels",
        "closing",
        "connected_at",
        "last_activity",
        "over_limit_since",
        "pending",
        "pinged",
        "protocol",
        "rate_limit",
        "socket_id",
        "subscribe_limit",
        "transport",
        "user_id",
        "ws",
    )

    def __init__(
        self,
        ws: ServerConnection,
        app: App,
        socket_id: str,
        now: float,
        events_per_second: float,
        *,
        address: str = "",
        subscribe_limit: TokenBucket | None = None,
    ) -> None:
        self.ws = ws
        # Held directly: the fan-out loop touches these for every subscriber.
        self.transport = ws.transport
        self.protocol = ws.protocol
        self.app = app
        self.socket_id = socket_id
        #: subscribed channel -> presence member (None on other channels)
        self.channels: dict[str, Member | None] = {}
        #: channels whose subscription_succeeded is not sent yet -> frames held until it is
        self.pending: dict[str, list[bytes]] = {}
        self.last_activity = now
        self.pinged = False
        self.rate_limit = TokenBucket(events_per_second, now)
        #: subscribe/unsubscribe messages (each one is Redis work); None: unlimited
        self.subscribe_limit = subscribe_limit
        #: the client's address group (see :func:`address_group`), for the per-address cap
        self.address = address
        self.connected_at = now
        #: the user this connection signed in as (``pusher:signin``), if it did
        self.user_id: str | None = None
        self.over_limit_since: float | None = None
        self.closing = False

    def write_frame(self, frame: bytes) -> bool:
        """Queue a ready WebSocket frame without waiting; False if the socket is not open."""
        if self.closing or self.protocol.state is not State.OPEN:
            return False
        self.transport.write(frame)
        return True

    def hold(self, channel: str) -> None:
        """Hold this channel's events until :meth:`release` (subscription in progress)."""
        self.pending[channel] = []

    def release(self, channel: str, first: bytes | None) -> None:
        """Send ``first`` (the subscription's outcome), then the events held meanwhile."""
        held = self.pending.pop(channel, [])
        if first is not None:
            self.send(first)
        for frame in held:
            self.write_frame(frame)

    def send(self, payload: bytes) -> bool:
        """Queue one JSON message for this client only."""
        return self.write_frame(text_frame(payload))

    def buffered(self) -> int:
        """Bytes written but not yet accepted by the kernel."""
        return self.transport.get_write_buffer_size()

    def is_too_slow(self, now: float, limit: int, grace: float) -> bool:
        """Update the over-limit clock; True when the client must be dropped."""
        size = self.buffered()
        if size <= limit:
            self.over_limit_since = None
            return False
        if size > limit * HARD_LIMIT_FACTOR:
            return True
        if self.over_limit_since is None:
            self.over_limit_since = now
        return now - self.over_limit_since >= grace

    def close(self, code: int, reason: str, background: Background) -> None:
        """Start the closing handshake in the background (it may wait on a slow peer)."""
        if self.closing:
            return
        self.closing = True
        background.spawn(_close(self.ws, code, reason))


async def _close(ws: ServerConnection, code: int, reason: str) -> None:
    with contextlib.suppress(ConnectionClosed):
        await ws.close(code, reason)
