"""The API's and worker's Redis: one server, or a Redis Cluster when the URL says so.

``API_REDIS_URL=redis+cluster://host:port`` (any node) chooses a cluster, as ``RT_REDIS_URL``
does for the realtime nodes. Keys that a script, a transaction or one ``MGET`` touches
together carry one hash tag (``{...}``), so they land on one slot; on one server the tags
are just part of the names (docs/redis.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from switchboard_shared.redis_urls import cluster_seed_url, is_cluster_url

if TYPE_CHECKING:
    #: a client of either kind: every command the API sends exists on both
    RedisClient: TypeAlias = Redis | RedisCluster
else:
    # Litestar validates a route's dependencies (``Resources``) with msgspec, which refuses
    # a union of two classes: at run time the field is unchecked, for mypy it is the union.
    RedisClient = Any


def tag(value: object) -> str:
    """``value`` as a hash tag: the keys that embed the same tag share a cluster slot."""
    return f"{{{value}}}"


def connect(url: str) -> RedisClient:
    """A client for ``url`` (one server or a cluster) that retries a dropped connection."""
    options: dict[str, Any] = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        # After a Redis restart every pooled connection is dead, and redis-py does not
        # retry "Connection closed by server" by default: each would fail one request (503).
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
    }
    if is_cluster_url(url):
        return RedisCluster.from_url(cluster_seed_url(url), **options)
    return Redis.from_url(
        url, health_check_interval=30, retry_on_error=[RedisConnectionError], **options
    )


async def mget(redis: RedisClient, keys: list[str]) -> list[Any]:
    """The values of ``keys`` in one round trip per node: a cluster refuses one ``MGET``
    across slots, so there it is split by slot (each slot's keys still read at once)."""
    if isinstance(redis, RedisCluster):
        return list(await redis.mget_nonatomic(keys))
    return list(await redis.mget(keys))
