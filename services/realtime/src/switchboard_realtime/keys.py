"""Names of this cluster's Redis keys and pub/sub channel, all under one prefix."""

from __future__ import annotations


class Keys:
    """Every Redis name the realtime cluster uses, so a prefix isolates a cluster (or a test)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        #: pub/sub channel every node listens to for fan-out
        self.bus = f"{prefix}:bus"
        #: sorted set: node id -> heartbeat expiry (Unix ms)
        self.nodes = f"{prefix}:nodes"

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
