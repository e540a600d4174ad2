"""The realtime service's one settings object, read from ``RT_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from switchboard_shared.settings import load_settings


class RealtimeSettings(BaseSettings):
    """Configuration of one realtime node. Defaults are for local development only."""

    model_config = SettingsConfigDict(env_prefix="RT_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8101, description="Port for WebSocket clients and the HTTP API.")
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:8111/1"), description="Redis for cross-node fan-out."
    )
    app_id: str = Field(default="switchboard", description="Pusher app id.")
    app_key: str = Field(default="switchboard-key", description="Pusher app key.")
    app_secret: SecretStr = Field(
        default=SecretStr("dev-only-realtime-secret"), description="Pusher app secret."
    )
    activity_timeout: int = Field(
        default=120, ge=1, description="Seconds of silence before a client should ping."
    )


def get_settings() -> RealtimeSettings:
    """Load and validate the node's settings."""
    return load_settings(RealtimeSettings)
