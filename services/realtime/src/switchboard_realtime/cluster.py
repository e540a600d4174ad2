"""This node's place in the cluster: heartbeat, fan-out bus, occupancy, dead-node reaping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import RedisCluster
from redis.asyncio.cluster import ClusterNode, ClusterPubSub
from redis.exceptions import RedisError

from switchboard_realtime.bus import BusMessage, decode_bus_message
from switchboard_realtime.keys import Keys, text
from switchboard_realtime.presence import PresenceStore
from switchboard_realtime.redis_link import RedisClient

log = logging.getLogger(__name__)

MemberGone = tuple[str, str, str]  # app id, channel, user id
#: how long a bus listener waits for a message before it looks again
POLL_SECONDS = 1.0
#: the next pub/sub message, or None when none came within POLL_SECONDS
Receive = Callable[[], Awaitable[dict[str, Any] | None]]


def _shard_receiver(pubsub: ClusterPubSub, node: ClusterNode) -> Receive:
    async def receive() -> dict[str, Any] | None:
        return await pubsub.get_sharded_message(
            ignore_subscribe_messages=True, timeout=POLL_SECONDS, target_node=node
        )

    return receive


def now_ms() -> int:
    """Wall-clock milliseconds, the unit of heartbeat expiry in Redis."""
    return int(time.time() * 1000)


class Cluster:
    """Redis-backed cluster membership and fan-out for one node."""

    def __init__(
        self,
        redis: RedisClient,
        keys: Keys,
        node_id: str,
        ttl_seconds: float,
        presence: PresenceStore,
        *,
        on_message: Callable[[BusMessage], None],
        on_members_gone: Callable[[list[MemberGone]], Awaitable[None]],
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.node_id = node_id
        self.ttl_ms = int(ttl_seconds * 1000)
        self.presence = presence
        self._on_message = on_message
        self._on_members_gone = on_members_gone
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Announce this node and listen to the bus before any client is served."""
        await self.heartbeat()
        self._tasks = [asyncio.create_task(self._heartbeat_loop(), name="heartbeat")]
        if isinstance(self.redis, RedisCluster):
            await self._listen_to_shards(self.redis)
            return
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.keys.bus)

        async def receive() -> dict[str, Any] | None:
            message: dict[str, Any] | None = await pubsub.get_message(timeout=POLL_SECONDS)
            return message

        self._tasks.append(asyncio.create_task(self._listen(receive), name="bus-listener"))

    async def _listen_to_shards(self, redis: RedisCluster) -> None:
        """SSUBSCRIBE every bus shard; one listener per shard-owning node, so a quiet
        node never delays another's messages."""
        pubsub = redis.pubsub()
        await pubsub.ssubscribe(*self.keys.bus_shards)
        owners = {redis.get_node_from_key(shard) for shard in self.keys.bus_shards}
        for node in owners:
            if node is None:
                continue
            receive = _shard_receiver(pubsub, node)
            self._tasks.append(asyncio.create_task(self._listen(receive), name=f"bus-{node.name}"))

    async def stop(self) -> None:
        """Leave the cluster: stop tasks, withdraw this node's members and counts."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                await task
        with contextlib.suppress(RedisError):
            await self._withdraw(self.node_id)

    async def heartbeat(self) -> None:
        """Extend this node's liveness by one TTL."""
        await self.redis.zadd(self.keys.nodes, {self.node_id: now_ms() + self.ttl_ms})

    async def publish(self, message: BusMessage) -> None:
        """Send a message to every other node."""
        await self.publish_many([message])

    async def publish_many(self, messages: list[BusMessage]) -> None:
        """Send messages to every other node in one round trip (per shard on a cluster)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for message in messages:
                bus = self.keys.bus_for(message.channel)
                if self.keys.sharded:
                    pipe.spublish(bus, message.encode())
                else:
                    pipe.publish(bus, message.encode())
            await pipe.execute()

    async def change_occupancy(self, app_id: str, channel: str, delta: int) -> None:
        """Adjust this node's subscription count of a channel."""
        field = f"{app_id}\n{channel}"
        key = self.keys.occupancy(self.node_id)
        if await self.redis.hincrby(key, field, delta) <= 0:
            await self.redis.hdel(key, field)

    async def live_nodes(self) -> list[str]:
        """Nodes whose heartbeat has not expired."""
        raw = await self.redis.zrangebyscore(self.keys.nodes, now_ms(), "+inf")
        return [text(node) for node in raw]

    async def occupancy(self, app_id: str) -> dict[str, int]:
        """Subscription count per occupied channel of an app, summed over live nodes."""
        counts: dict[str, int] = {}
        prefix = f"{app_id}\n"
        for node in await self.live_nodes():
            entries = await self.redis.hgetall(self.keys.occupancy(node))
            for field, count in entries.items():
                name = text(field)
                if name.startswith(prefix) and int(count) > 0:
                    channel = name[len(prefix) :]
                    counts[channel] = counts.get(channel, 0) + int(count)
        return counts

    async def _listen(self, receive: Receive) -> None:
        while True:
            try:
                message = await receive()
            except RedisError:
                log.warning("bus connection lost, retrying", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") not in ("message", "smessage"):
                continue
            try:
                bus_message = decode_bus_message(message["data"])
            except ValueError:
                log.warning("ignoring a malformed bus message")
                continue
            if bus_message.node != self.node_id:
                self._on_message(bus_message)

    async def _heartbeat_loop(self) -> None:
        # Three beats per TTL so one late beat does not make the node look dead.
        interval = self.ttl_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                await self.heartbeat()
                await self._reap_dead_nodes()
            except RedisError:
                log.warning("heartbeat failed", exc_info=True)

    async def _reap_dead_nodes(self) -> None:
        dead = await self.redis.zrangebyscore(self.keys.nodes, "-inf", now_ms() - 1)
        for raw in dead:
            node = text(raw)
            # One survivor reaps each dead node, so member_removed is announced once.
            if await self.redis.set(self.keys.reaper_lock(node), self.node_id, nx=True, ex=60):
                log.info("reaping dead node %s", node)
                await self._withdraw(node)

    async def _withdraw(self, node: str) -> None:
        gone = await self.presence.reap(node, now_ms())
        await self.redis.delete(self.keys.occupancy(node))
        await self.redis.zrem(self.keys.nodes, node)
        if gone:
            await self._on_members_gone(gone)
