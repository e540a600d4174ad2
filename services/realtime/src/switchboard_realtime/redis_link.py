"""The node's Redis: one server, or a Redis Cluster when the URL's scheme says so.

``redis://`` (or ``rediss://``) is one server; ``redis+cluster://host:port`` (or
``rediss+cluster://``) is a cluster reached through any of its nodes. On a cluster the
fan-out uses sharded pub/sub (``SPUBLISH``/``SSUBSCRIBE``) and every key carries one hash
tag, because the presence scripts read and write several keys at once (docs/redis.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster

#: a client of either kind: the commands the node uses exist on both
RedisClient = Redis | RedisCluster

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    """Whether ``url`` names a Redis Cluster."""
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def connect(url: str, pool_size: int) -> RedisClient:
    """A client for ``url``. On one server, callers wait for a free connection instead of
    failing; on a cluster, each node gets a pool of ``pool_size``."""
    parts = urlsplit(url)
    if parts.scheme in CLUSTER_SCHEMES:
        # A cluster has one database: the path (a database number) is dropped.
        plain = urlunsplit((CLUSTER_SCHEMES[parts.scheme], parts.netloc, "", "", ""))
        return RedisCluster.from_url(plain, max_connections=pool_size)
    pool = BlockingConnectionPool.from_url(url, max_connections=pool_size, timeout=10)
    return Redis.from_pool(pool)  # the client owns (and closes) the pool
