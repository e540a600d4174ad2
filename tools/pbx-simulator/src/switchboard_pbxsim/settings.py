"""The simulator's one settings object, read from ``PBXSIM_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from switchboard_shared.settings import load_settings


class PbxSimSettings(BaseSettings):
    """Configuration of the PBX simulator. Defaults are for local development only."""

    model_config = SettingsConfigDict(env_prefix="PBXSIM_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8102, description="Port of the simulated VPBX API.")
    api_key: str = Field(
        default="dev-only-vpbx-key", description="The VPBX API key (vpbx_api_key)."
    )
    api_salt: SecretStr = Field(
        default=SecretStr("dev-only-vpbx-salt"), description="The VPBX signing salt."
    )
    webhook_url: str = Field(
        default="http://127.0.0.1:8100/api/v1/telephony/mango",
        description="Base URL the simulator posts webhooks to.",
    )


def get_settings() -> PbxSimSettings:
    """Load and validate the simulator's settings."""
    return load_settings(PbxSimSettings)
