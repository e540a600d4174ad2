"""Which node served what: a stack's requests split over its API processes and its
WebSockets over its realtime nodes, read from nginx's access log (``upstream_addr``).

A browser test on a scaled stack proves "across nodes" only if its browsers did reach
different nodes; this says whether they did, from what nginx actually did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from profiles import Profile, node_name


@dataclass(frozen=True)
class Spread:
    """Requests per API process and WebSocket connections per realtime node."""

    api: dict[str, int]
    realtime: dict[str, int]

    def idle_nodes(self) -> list[str]:
        """The nodes that served nothing."""
        counts = {**self.api, **self.realtime}
        return [name for name, count in counts.items() if count == 0]

    def summary(self) -> str:
        """One line, e.g. ``API requests: api 310, api-2 305; WebSockets: realtime 40, ...``."""

        def listed(counts: dict[str, int]) -> str:
            return ", ".join(f"{name} {count}" for name, count in counts.items())

        return f"API requests: {listed(self.api)}; WebSockets: {listed(self.realtime)}"


def access_log(p: Profile) -> Path:
    """The profile's nginx access log (one JSON object a line, infra/nginx)."""
    return p.logs / "nginx-access.log"


def log_mark(p: Profile) -> int:
    """Where the access log ends now: :func:`read_spread` counts what is logged after it."""
    path = access_log(p)
    return path.stat().st_size if path.exists() else 0


def read_spread(p: Profile, since: int = 0) -> Spread:
    """Count what nginx sent to each node of ``p`` after byte ``since`` of its access log.

    nginx logs a WebSocket when it closes: read this once the clients are gone (after the
    stack is stopped every one is logged). A request nginx retried on the next node names
    both; the last one served it.
    """
    api_ports = p.ports.api_ports(p.scale)
    api = {f"127.0.0.1:{port}": node_name("api", i) for i, port in enumerate(api_ports)}
    # As the rendered upstream names them: "unix:/path/realtime.sock" or "127.0.0.1:port".
    upstreams = p.realtime_upstreams()
    realtime = {address: node_name("realtime", i) for i, address in enumerate(upstreams)}
    api_counts = dict.fromkeys(api.values(), 0)
    realtime_counts = dict.fromkeys(realtime.values(), 0)
    path = access_log(p)
    if path.exists():
        with path.open("rb") as log:
            log.seek(since)
            for raw in log:
                try:
                    entry = json.loads(raw)
                except ValueError:  # a line cut by a stop mid-write
                    continue
                served_by = str(entry.get("upstream_addr", "")).split(",")[-1].strip()
                uri = str(entry.get("uri", ""))
                if uri.startswith("/api/") and served_by in api:
                    api_counts[api[served_by]] += 1
                elif (
                    uri.startswith("/app/") and entry.get("status") == 101 and served_by in realtime
                ):
                    realtime_counts[realtime[served_by]] += 1
    return Spread(api_counts, realtime_counts)
