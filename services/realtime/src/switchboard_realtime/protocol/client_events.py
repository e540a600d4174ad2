"""Client events (``client-*``): who may send them, how often, and how big."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard_realtime.protocol.channels import channel_kind
from switchboard_realtime.protocol.frames import ClientFrame, encode_json

MAX_EVENT_NAME_LENGTH = 200


class ClientEventRejected(Exception):
    """Answered with ``pusher:error`` 4301; the socket stays open."""


class TokenBucket:
    """``rate`` events per second on average, bursts of up to ``burst`` (default ``rate``)
    at once."""

    def __init__(self, rate: float, now: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = rate if burst is None else burst
        self.tokens = self.burst
        self.updated = now

    def allow(self, now: float) -> bool:
        """Take one token if there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """A validated client event, its ``data`` already JSON text."""

    channel: str
    event: str
    data: str


def validate_client_event(frame: ClientFrame, subscribed: bool, max_data_bytes: int) -> ClientEvent:
    """Check a ``client-*`` frame; raise :class:`ClientEventRejected` with the reason."""
    channel = frame.channel
    if channel is None:
        raise ClientEventRejected("client event needs a channel")
    if not channel_kind(channel).allows_client_events:
        raise ClientEventRejected("client events are allowed on private and presence channels")
    if not subscribed:
        raise ClientEventRejected(f"not subscribed to {channel}")
    if len(frame.event) > MAX_EVENT_NAME_LENGTH:
        raise ClientEventRejected("event name too long")
    # The payload is relayed as a JSON string like every server-sent data.
    data = frame.data if isinstance(frame.data, str) else encode_json(frame.data)
    if len(data.encode()) > max_data_bytes:
        raise ClientEventRejected(f"event data larger than {max_data_bytes} bytes")
    return ClientEvent(channel, frame.event, data)
