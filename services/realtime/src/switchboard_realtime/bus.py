"""The fan-out message nodes exchange over Redis pub/sub, framed once by the publisher.

Binary layout: ``node \\0 app \\0 channel \\0 exclude \\0 published_at \\0 payload``.
The payload is the exact JSON frame clients receive, so no node re-encodes it.
"""

from __future__ import annotations

from dataclasses import dataclass

_SEP = b"\x00"


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One event for one channel, published by ``node`` at ``published_at`` (Unix seconds)."""

    node: str
    app_id: str
    channel: str
    exclude: str | None
    published_at: float
    payload: bytes

    def encode(self) -> bytes:
        """The bytes published on the bus."""
        head = [self.node, self.app_id, self.channel, self.exclude or "", repr(self.published_at)]
        return _SEP.join([*(part.encode() for part in head), self.payload])


def decode_bus_message(raw: bytes) -> BusMessage:
    """Parse bytes from the bus; ``ValueError`` if they are not a bus message."""
    node, app_id, channel, exclude, published_at, payload = raw.split(_SEP, 5)
    return BusMessage(
        node.decode(),
        app_id.decode(),
        channel.decode(),
        exclude.decode() or None,
        float(published_at),
        payload,
    )
