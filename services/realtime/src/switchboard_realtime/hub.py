"""This node's subscriptions and the local fan-out: frame once, write to every subscriber.

Writes never wait on a client: each frame goes into the client's transport buffer,
and a client whose buffer stays over the limit is closed (reconnect later).
"""

from __future__ import annotations

import time

from websockets.protocol import State

from switchboard_realtime.background import Background
from switchboard_realtime.client import Client
from switchboard_realtime.metrics import Metrics
from switchboard_realtime.protocol.codes import CloseCode
from switchboard_realtime.wsframe import text_frame

OPEN = State.OPEN
ChannelKey = tuple[str, str]  # app id, channel name


class LocalHub:
    """Channel -> subscribed clients on this node, and delivery to them."""

    def __init__(
        self, metrics: Metrics, background: Background, buffer_limit: int, slow_grace: float
    ) -> None:
        self._channels: dict[ChannelKey, dict[str, Client]] = {}
        self._metrics = metrics
        self._background = background
        self.buffer_limit = buffer_limit
        self.slow_grace = slow_grace

    def add(self, client: Client, channel: str) -> bool:
        """Subscribe a client; False if it already was."""
        subscribers = self._channels.setdefault((client.app.id, channel), {})
        if client.socket_id in subscribers:
            return False
        subscribers[client.socket_id] = client
        self._metrics.channels.set(len(self._channels))
        return True

    def remove(self, client: Client, channel: str) -> bool:
        """Unsubscribe a client; False if it was not subscribed."""
        key = (client.app.id, channel)
        subscribers = self._channels.get(key)
        if subscribers is None or subscribers.pop(client.socket_id, None) is None:
            return False
        if not subscribers:
            del self._channels[key]
        self._metrics.channels.set(len(self._channels))
        return True

    def local_count(self, app_id: str, channel: str) -> int:
        """Subscribers of a channel on this node."""
        return len(self._channels.get((app_id, channel), ()))

    def deliver(
        self, app_id: str, channel: str, payload: bytes, exclude: str | None, published_at: float
    ) -> int:
        """Write one event to every local subscriber but ``exclude``; the count written."""
        subscribers = self._channels.get((app_id, channel))
        if not subscribers:
            return 0
        frame = text_frame(payload)
        now = time.monotonic()
        written = 0
        limit = self.buffer_limit
        for socket_id, client in subscribers.items():
            # Inlined Client.write_frame: this loop runs once per subscriber per event.
            if socket_id == exclude or client.closing or client.protocol.state is not OPEN:
                continue
            if client.pending and channel in client.pending:
                client.pending[channel].append(frame)  # follows subscription_succeeded
                continue
            transport = client.transport
            transport.write(frame)
            written += 1
            slow_path = client.over_limit_since is not None
            if (slow_path or transport.get_write_buffer_size() > limit) and client.is_too_slow(
                now, limit, self.slow_grace
            ):
                self.drop_slow(client)
        self._metrics.messages_out.inc(written)
        self._metrics.publish_latency.observe(max(0.0, time.time() - published_at))
        return written

    def deliver_many(
        self, app_id: str, batch: list[tuple[str, bytes, str | None]], published_at: float
    ) -> int:
        """Write several events (channel, payload, excluded socket) in order, with one
        write per subscriber for the whole batch: under load, when the outbox relay sends
        many events at once, each socket (and nginx, and the client) handles one segment
        instead of one per event. The count of frames written."""
        if len(batch) == 1:
            channel, payload, exclude = batch[0]
            return self.deliver(app_id, channel, payload, exclude, published_at)
        outgoing: dict[Client, list[bytes]] = {}
        fanouts = 0
        for channel, payload, exclude in batch:
            subscribers = self._channels.get((app_id, channel))
            if not subscribers:
                continue
            fanouts += 1
            frame = text_frame(payload)
            for socket_id, client in subscribers.items():
                if socket_id == exclude or client.closing or client.protocol.state is not OPEN:
                    continue
                if client.pending and channel in client.pending:
                    client.pending[channel].append(frame)  # follows subscription_succeeded
                    continue
                frames = outgoing.get(client)
                if frames is None:
                    outgoing[client] = [frame]
                else:
                    frames.append(frame)
        now = time.monotonic()
        written = 0
        limit = self.buffer_limit
        for client, frames in outgoing.items():
            transport = client.transport
            transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
            written += len(frames)
            slow_path = client.over_limit_since is not None
            if (slow_path or transport.get_write_buffer_size() > limit) and client.is_too_slow(
                now, limit, self.slow_grace
            ):
                self.drop_slow(client)
        self._metrics.messages_out.inc(written)
        latency = max(0.0, time.time() - published_at)
        for _ in range(fanouts):  # as deliver(): one observation per event with subscribers
            self._metrics.publish_latency.observe(latency)
        return written

    def drop_slow(self, client: Client) -> None:
        """Close a client that cannot keep up; it may reconnect after a back-off."""
        if not client.closing:
            self._metrics.slow_clients_dropped.inc()
            client.close(CloseCode.OVER_CAPACITY, "client too slow", self._background)
