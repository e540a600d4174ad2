"""One realtime node: its clients, local hub, cluster link, and the periodic sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time

from redis.asyncio import RedisCluster
from redis.exceptions import RedisError

from switchboard_realtime.addresses import parse_trusted
from switchboard_realtime.apps import AppRegistry
from switchboard_realtime.background import Background
from switchboard_realtime.bus import BusMessage
from switchboard_realtime.client import Client
from switchboard_realtime.cluster import Cluster, MemberGone
from switchboard_realtime.hub import LocalHub
from switchboard_realtime.keys import Keys
from switchboard_realtime.metrics import Metrics
from switchboard_realtime.presence import PresenceStore
from switchboard_realtime.protocol import frames
from switchboard_realtime.protocol.codes import CloseCode
from switchboard_realtime.protocol.publish import Publication, PublishLimits
from switchboard_realtime.protocol.subscriptions import Member, SubscriptionLimits
from switchboard_realtime.redis_link import RedisClient
from switchboard_realtime.settings import RealtimeSettings

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 0.5
#: The bus "channel" of a terminate_connections order (never a valid Pusher channel name).
TERMINATE_ORDER = "#terminate"
TERMINATED_REASON = "signed out by the server"


class Node:
    """Everything one process serves; transports (WebSocket, HTTP) call into it."""

    def __init__(self, settings: RealtimeSettings, redis: RedisClient) -> None:
        self.settings = settings
        self.apps = AppRegistry.from_settings(settings)
        self.node_id = secrets.token_hex(6)
        self.redis = redis
        self.metrics = Metrics()
        self.background = Background()
        self.hub = LocalHub(
            self.metrics,
            self.background,
            settings.send_buffer_limit_bytes,
            settings.slow_client_grace_seconds,
        )
        keys = Keys(settings.redis_prefix, sharded=isinstance(redis, RedisCluster))
        self.presence = PresenceStore(redis, keys, self.node_id, settings.max_presence_members)
        self.cluster = Cluster(
            redis,
            keys,
            self.node_id,
            settings.presence_ttl_seconds,
            self.presence,
            on_message=self._deliver_from_bus,
            on_members_gone=self._announce_members_gone,
        )
        self.clients: dict[str, Client] = {}
        self.connections_per_address: dict[str, int] = {}
        self.trusted_proxies = parse_trusted(settings.trusted_proxies)
        #: set on shutdown: per-client Redis cleanup is skipped, the node withdraws in bulk
        self.draining = False
        self.subscription_limits = SubscriptionLimits(
            settings.max_channel_name_length,
            settings.max_user_info_bytes,
            settings.public_channels_enabled,
        )
        self.publish_limits = PublishLimits(
            settings.max_channel_name_length,
            settings.max_event_data_bytes,
            settings.max_channels_per_trigger,
            settings.max_batch_events,
        )
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Join the cluster and start the liveness sweep."""
        await self.cluster.start()
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="sweep")
        log.info("node %s started", self.node_id)

    async def stop(self) -> None:
        """Leave the cluster; clients must already be closing."""
        self.draining = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.cluster.stop()

    # -- clients --------------------------------------------------------------------------

    def register(self, client: Client) -> None:
        """Track a new connection."""
        self.clients[client.socket_id] = client
        counts = self.connections_per_address
        counts[client.address] = counts.get(client.address, 0) + 1
        self.metrics.connections.set(len(self.clients))

    def unregister(self, client: Client) -> None:
        """Forget a closed connection."""
        if self.clients.pop(client.socket_id, None) is not None:
            counts = self.connections_per_address
            left = counts.get(client.address, 1) - 1
            if left > 0:
                counts[client.address] = left
            else:
                counts.pop(client.address, None)
        self.metrics.connections.set(len(self.clients))

    def at_capacity(self) -> bool:
        """Whether a new connection would exceed ``max_connections``."""
        return len(self.clients) >= self.settings.max_connections

    def address_at_capacity(self, address: str) -> bool:
        """Whether a new connection from ``address`` would exceed its per-address cap."""
        held = self.connections_per_address.get(address, 0)
        return held >= self.settings.max_connections_per_address

    async def terminate_user(self, app_id: str, user_id: str) -> None:
        """Close every connection signed in as the user, here and on every other node."""
        self._terminate_local(app_id, user_id)
        order = BusMessage(
            self.node_id, app_id, TERMINATE_ORDER, None, time.time(), user_id.encode()
        )
        await self.cluster.publish(order)

    def _terminate_local(self, app_id: str, user_id: str) -> None:
        error = frames.error_frame(TERMINATED_REASON, CloseCode.UNAUTHORIZED)
        for client in list(self.clients.values()):
            if client.user_id == user_id and client.app.id == app_id and not client.closing:
                client.send(error)
                client.close(CloseCode.UNAUTHORIZED, TERMINATED_REASON, self.background)

    def close_all(self, code: int, reason: str) -> None:
        """Tell every client why, then start closing them all (SIGTERM)."""
        error = frames.error_frame(reason, code)
        for client in list(self.clients.values()):
            client.send(error)
            client.close(code, reason, self.background)

    # -- publishing -----------------------------------------------------------------------

    async def publish(
        self, app_id: str, channel: str, payload: bytes, exclude: str | None = None
    ) -> None:
        """Deliver an encoded event here at once, and to every other node via the bus."""
        message = BusMessage(self.node_id, app_id, channel, exclude, time.time(), payload)
        self.hub.deliver(app_id, channel, payload, exclude, message.published_at)
        self.metrics.published.inc()
        await self.cluster.publish(message)

    async def publish_many(self, app_id: str, publications: list[Publication]) -> None:
        """Publish HTTP API events, in order, with one Redis round trip."""
        published_at = time.time()
        messages = [
            BusMessage(
                self.node_id,
                app_id,
                pub.channel,
                pub.exclude,
                published_at,
                frames.event_frame(pub.event, pub.data, pub.channel),
            )
            for pub in publications
        ]
        batch = [(m.channel, m.payload, m.exclude) for m in messages]
        self.hub.deliver_many(app_id, batch, published_at)
        self.metrics.published.inc(len(messages))
        await self.cluster.publish_many(messages)

    def _deliver_from_bus(self, message: BusMessage) -> None:
        if message.channel == TERMINATE_ORDER:
            self._terminate_local(message.app_id, message.payload.decode())
            return
        self.hub.deliver(
            message.app_id, message.channel, message.payload, message.exclude, message.published_at
        )

    async def _announce_members_gone(self, gone: list[MemberGone]) -> None:
        for app_id, channel, user_id in gone:
            await self.publish(app_id, channel, frames.member_removed(channel, user_id))

    # -- leaving channels -----------------------------------------------------------------

    async def leave_channel(self, client: Client, channel: str, member: Member | None) -> None:
        """Withdraw a subscription from the cluster; announce a presence user's departure."""
        app_id = client.app.id
        await self.cluster.change_occupancy(app_id, channel, -1)
        if member is None:
            return
        now = int(time.time() * 1000)
        if await self.presence.leave(
            app_id, channel, client.socket_id, user_id=member.user_id, now_ms=now
        ):
            await self.publish(app_id, channel, frames.member_removed(channel, member.user_id))

    async def drop_client_subscriptions(self, client: Client) -> None:
        """After a disconnect: leave every channel (Redis work skipped while draining)."""
        subscriptions = list(client.channels.items())
        client.channels.clear()
        for channel, _ in subscriptions:
            self.hub.remove(client, channel)
        if self.draining:
            return
        for channel, member in subscriptions:
            try:
                await self.leave_channel(client, channel, member)
            except RedisError:
                log.warning("could not withdraw %s from %s", client.socket_id, channel)

    # -- liveness sweep -------------------------------------------------------------------

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            self.sweep(time.monotonic())

    def sweep(self, now: float) -> None:
        """Ping idle clients, close silent ones (4201), ones that never signed in when
        sign-in is required (4009), and ones that stay too slow."""
        timeout = self.settings.activity_timeout
        signin_timeout = self.settings.signin_timeout_seconds
        for client in list(self.clients.values()):
            if client.closing:
                continue
            idle = now - client.last_activity
            if (
                signin_timeout
                and client.user_id is None
                and now - client.connected_at >= signin_timeout
            ):
                client.send(frames.error_frame("sign-in timeout", CloseCode.UNAUTHORIZED))
                client.close(CloseCode.UNAUTHORIZED, "sign-in timeout", self.background)
            elif client.pinged and idle >= timeout + self.settings.pong_timeout:
                client.close(CloseCode.PONG_TIMEOUT, "pong not received", self.background)
            elif not client.pinged and idle >= timeout:
                client.pinged = True
                client.send(frames.PING)
                self.background.spawn(self._ws_ping(client))
            elif client.over_limit_since is not None and client.is_too_slow(
                now, self.hub.buffer_limit, self.hub.slow_grace
            ):
                self.hub.drop_slow(client)

    async def _ws_ping(self, client: Client) -> None:
        # A protocol-level pong proves liveness too (browsers answer these themselves).
        with contextlib.suppress(Exception):
            waiter = await asyncio.wait_for(client.ws.ping(), self.settings.pong_timeout)
            await asyncio.wait_for(waiter, self.settings.pong_timeout)
            client.last_activity = time.monotonic()
            client.pinged = False
