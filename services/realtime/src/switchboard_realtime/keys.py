"""Names of this cluster's Redis keys and pub/sub channel, all under one prefix."""

from __future__ import annotations

import zlib

#: sharded pub/sub channels of the fan-out on a Redis Cluster: each has its own hash tag,
#: so they spread over the cluster's shards (and the publish load with them)
BUS_SHARDS = 16


class Keys:
    """Every Redis name the realtime cluster uses, so a prefix isolates a cluster (or a test).

    On a Redis Cluster (``sharded``) the keys share one hash tag, the prefix, so the presence
    scripts that touch several of them run on one shard; the fan-out is spread over
    :data:`BUS_SHARDS` sharded channels instead of one.
    """

    def __init__(self, prefix: str, *, sharded: bool = False) -> None:
        self.sharded = sharded
        self.prefix = f"{{{prefix}}}" if sharded else prefix
        #: pub/sub channel every node listens to for fan-out (one Redis)
        self.bus = f"{self.prefix}:bus"
        #: sharded channels every node listens to for fan-out (a cluster)
        self.bus_shards = [f"{prefix}:bus:{{{shard}}}" for shard in range(BUS_SHARDS)]
        #: sorted set: node id -> heartbeat expiry (Unix ms)
        self.nodes = f"{self.prefix}:nodes"

    def bus_for(self, channel: str) -> str:
        """The fan-out channel of a Pusher channel's messages: one per channel, so they
        keep their order."""
        if not self.sharded:
            return self.bus
        return self.bus_shards[zlib.crc32(channel.encode()) % BUS_SHARDS]

    def presence(self, app_id: str, channel: str) -> str:
        """Hash of one presence channel's connections."""
        return f"{self.prefix}:pres:{app_id}:{channel}"

    def node_presence(self, node_id: str) -> str:
        """Set of the presence channels a node has members in (for reaping)."""
        return f"{self.prefix}:nodepres:{node_id}"

    def occupancy(self, node_id: str) -> str:
        """Hash of a node's subscription counts: ``{app}\\n{channel}`` -> count."""
        return f"{self.prefix}:occ:{node_id}"

    def reaper_lock(self, node_id: str) -> str:
        """Lock taken by the one node that reaps a dead node."""
        return f"{self.prefix}:reap:{node_id}"


def text(value: object) -> str:
    """A Redis reply item as text (replies are bytes; typing allows str too)."""
    return value.decode() if isinstance(value, bytes) else str(value)
