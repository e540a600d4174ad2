"""Prometheus metrics of one node, in their own registry (several nodes may share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Publish-to-write latency buckets: the targets are p99 < 250 ms.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Counters and gauges the node updates; :meth:`render` is the ``/metrics`` body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge(
            "realtime_connections", "Open WebSocket connections.", registry=self.registry
        )
        self.channels = Gauge(
            "realtime_channels", "Channels with subscribers on this node.", registry=self.registry
        )
        self.messages_in = Counter(
            "realtime_messages_in", "Frames received from clients.", registry=self.registry
        )
        self.messages_out = Counter(
            "realtime_messages_out", "Event frames fanned out to clients.", registry=self.registry
        )
        self.published = Counter(
            "realtime_events_published",
            "Events accepted for fan-out (HTTP API and client events).",
            registry=self.registry,
        )
        self.slow_clients_dropped = Counter(
            "realtime_slow_clients_dropped",
            "Connections closed because their send buffer stayed over the limit.",
            registry=self.registry,
        )
        self.publish_latency = Histogram(
            "realtime_publish_latency_seconds",
            "From an event's publication to its frames being written on this node.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
