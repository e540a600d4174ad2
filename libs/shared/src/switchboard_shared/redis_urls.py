"""The Redis URL convention every service shares: one server or a Redis Cluster.

``redis://`` (or ``rediss://``) names one server; ``redis+cluster://host:port`` (or
``rediss+cluster://``) a cluster, reached through any of its nodes (docs/redis.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

#: the cluster schemes and the plain scheme the client library is given for each
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    """Whether ``url`` names a Redis Cluster."""
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def cluster_seed_url(url: str) -> str:
    """The plain URL of the cluster node ``url`` names, for redis-py's cluster client: a
    cluster has one database, so the path (a database number) is dropped."""
    parts = urlsplit(url)
    return urlunsplit((CLUSTER_SCHEMES[parts.scheme], parts.netloc, "", "", ""))
