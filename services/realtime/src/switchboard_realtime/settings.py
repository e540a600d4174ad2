"""The realtime service's one settings object, read from ``RT_*`` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard_shared.settings import DEV_ONLY, load_settings, refuse_development_values


class RealtimeSettings(BaseSettings):
    """Configuration of one realtime node. Defaults are for local development only."""

    # hide_input_in_errors: a validation error must never print the secrets it was given.
    model_config = SettingsConfigDict(env_prefix="RT_", extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "production"] = Field(
        default="development",
        description="production: refuse to start while a secret is unset or a dev-only value.",
    )
    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8101, description="Port for WebSocket clients and the HTTP API.")
    unix_socket: str = Field(
        default="",
        description=(
            "Also accept WebSocket clients on this Unix socket: for a proxy on the same host, "
            "whose every frame then costs a fraction of a loopback TCP send. Empty: TCP only."
        ),
    )
    listen_backlog: int = Field(
        default=4096,
        ge=1,
        description=(
            "Pending connections the TCP and Unix listeners queue (the kernel caps it at "
            "net.core.somaxconn): after a restart thousands of clients reconnect at once, "
            "and a full queue makes the proxy answer 502."
        ),
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:8111/1"),
        description=(
            "Redis for cross-node fan-out and presence; redis+cluster://host:port for a "
            "Redis Cluster (sharded pub/sub)."
        ),
    )
    redis_pool_size: int = Field(
        default=32,
        ge=2,
        description=(
            "Redis connections per node; callers wait for a free one (no error). On a Redis "
            "Cluster: commands in flight per node, each master's pool four times that."
        ),
    )
    redis_prefix: str = Field(
        default="sb:rt",
        description="Prefix of every Redis key and pub/sub channel this cluster uses.",
    )
    app_id: str = Field(
        default="1", description="Pusher app id (numeric: stock server libraries require it)."
    )
    app_key: str = Field(default="switchboard-key", description="Pusher app key.")
    app_secret: SecretStr = Field(
        default=SecretStr(DEV_ONLY + "realtime-secret"), description="Pusher app secret."
    )
    apps_json: SecretStr | None = Field(
        default=None,
        description=(
            'Several apps as a JSON list of {"id","key","secret"} objects; '
            "when set it replaces app_id/app_key/app_secret."
        ),
    )
    activity_timeout: int = Field(
        default=120,
        ge=1,
        description="Seconds of silence before either side pings (sent in the handshake).",
    )
    pong_timeout: float = Field(
        default=30,
        gt=0,
        description="Seconds to wait for any frame after the server pinged before closing 4201.",
    )
    max_connections: int = Field(
        default=18_000,
        ge=1,
        description="Connections this node accepts; beyond it new ones are closed 4100.",
    )
    max_connections_per_address: int = Field(
        default=2_000,
        ge=1,
        description=(
            "Connections one client address may hold on this node (IPv6 grouped by /64); "
            "beyond it new ones are closed 4100. Generous: a whole office may share one NAT."
        ),
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description=(
            "Comma-separated addresses of proxies whose X-Real-IP header names the client "
            "(connections over the Unix socket always come from the local proxy)."
        ),
    )
    public_channels_enabled: bool = Field(
        default=False,
        description=(
            "Accept subscriptions to public (unsigned) channels; the product uses none, so "
            "anyone could otherwise make the node keep channels for them."
        ),
    )
    subscribes_per_second: float = Field(
        default=10,
        gt=0,
        description=(
            "Subscribe/unsubscribe messages one connection may send per second on average; "
            "a connection beyond it (after the burst) is closed 4301."
        ),
    )
    subscribe_burst: int = Field(
        default=120,
        ge=1,
        description="Subscribe/unsubscribe messages a connection may send at once (a reconnect "
        "subscribes to all its channels together).",
    )
    signin_timeout_seconds: float = Field(
        default=0,
        ge=0,
        description=(
            "Seconds a connection may stay without pusher:signin before it is closed 4009, so "
            "every lasting connection belongs to a user the app server can terminate. 0: off."
        ),
    )
    max_channels_per_connection: int = Field(
        default=100, ge=1, description="Channels one connection may be subscribed to at once."
    )
    max_channel_name_length: int = Field(
        default=164, ge=1, description="Longest channel name, prefix included (Pusher: 164)."
    )
    max_message_bytes: int = Field(
        default=32_768,
        ge=1024,
        description="Largest WebSocket frame a client may send; larger closes with 1009.",
    )
    max_event_data_bytes: int = Field(
        default=10_240,
        ge=1,
        description="Largest event payload (client events and HTTP API ``data``); HTTP -> 413.",
    )
    client_events_per_second: float = Field(
        default=10, gt=0, description="Client events one connection may send per second."
    )
    max_presence_members: int = Field(
        default=100, ge=1, description="Distinct users one presence channel may hold."
    )
    max_user_info_bytes: int = Field(
        default=1024, ge=1, description="Largest presence ``user_info`` JSON."
    )
    max_http_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest HTTP API request body; larger -> 413."
    )
    max_channels_per_trigger: int = Field(
        default=100, ge=1, description="Channels one HTTP API event may be sent to."
    )
    max_batch_events: int = Field(
        default=100, ge=1, description="Events one ``batch_events`` call may carry."
    )
    send_buffer_limit_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Per-connection unsent bytes above which a client counts as slow.",
    )
    slow_client_grace_seconds: float = Field(
        default=3.0,
        ge=0,
        description="How long a client may stay over the send buffer limit before it is closed.",
    )
    presence_ttl_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How long a node's presence members outlive its last heartbeat to Redis.",
    )
    close_timeout_seconds: float = Field(
        default=2.0, gt=0, description="How long a closing handshake may take before abort."
    )
    shutdown_timeout_seconds: float = Field(
        default=4.0, gt=0, description="Upper bound on a graceful shutdown after SIGTERM."
    )

    @model_validator(mode="after")
    def _production_has_real_secrets(self) -> RealtimeSettings:
        if self.env == "production":
            refuse_development_values(self, self.production_required())
        return self

    def production_required(self) -> tuple[str, ...]:
        """What a production start must be given (the app list replaces the one app)."""
        return ("redis_url", "apps_json" if self.apps_json is not None else "app_secret")


def get_settings() -> RealtimeSettings:
    """Load and validate the node's settings."""
    return load_settings(RealtimeSettings)
