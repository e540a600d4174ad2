"""The node's Redis: one server, or a Redis Cluster when the URL's scheme says so.

``redis://`` (or ``rediss://``) is one server; ``redis+cluster://host:port`` (or
``rediss+cluster://``) is a cluster reached through any of its nodes. On a cluster the
fan-out uses sharded pub/sub (``SPUBLISH``/``SSUBSCRIBE``) and every key carries one hash
tag, because the presence scripts read and write several keys at once (docs/redis.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster

from switchboard_shared.redis_urls import cluster_seed_url, is_cluster_url

#: a client of either kind: the commands the node uses exist on both
RedisClient = Redis | RedisCluster

__all__ = ["QueueingRedisCluster", "RedisClient", "connect", "is_cluster_url"]


class QueueingRedisCluster(RedisCluster):
    """redis-py's cluster client fails a command (``MaxConnectionsError``) when a node's pool
    is used up, where the one-server client waits for a connection: a burst of subscribes
    (thousands of clients reconnecting) must wait its turn, not fail. At most
    ``max_in_flight`` commands run at once, and each master's pool is four times that: the
    cluster client holds a connection a little longer than the command (measured: with
    twice as many, 150 simultaneous presence subscribes still ran a master's pool dry)."""

    def __init__(self, *args: Any, max_in_flight: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = asyncio.Semaphore(max_in_flight)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with self._in_flight:
            return await super().execute_command(*args, **kwargs)


def connect(url: str, pool_size: int) -> RedisClient:
    """A client for ``url`` whose callers wait for a free connection instead of failing:
    ``pool_size`` connections to one server, or commands in flight on a cluster."""
    if is_cluster_url(url):
        return QueueingRedisCluster.from_url(
            cluster_seed_url(url), max_in_flight=pool_size, max_connections=4 * pool_size
        )
    pool = BlockingConnectionPool.from_url(url, max_connections=pool_size, timeout=10)
    return Redis.from_pool(pool)  # the client owns (and closes) the pool
