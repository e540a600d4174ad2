"""The simulator's one settings object, read from ``PBXSIM_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from switchboard_shared.settings import load_settings


class SeedMember(BaseModel):
    """An employee the simulated PBX knows at start."""

    name: str = Field(description="Display name.")
    extension: str = Field(description="Internal number (extension).")
    email: str | None = Field(default=None, description="E-mail, if any.")


class SeedLine(BaseModel):
    """A company line (DID) the simulated PBX has at start."""

    number: str = Field(description="The line's number, digits only (e.g. 74951234567).")
    name: str | None = Field(default=None, description="Optional label.")


DEFAULT_MEMBERS = [
    SeedMember(name="Ivan Petrov", extension="101", email="ivan@acme.example"),
    SeedMember(name="Maria Smirnova", extension="102", email="maria@acme.example"),
    SeedMember(name="Oleg Sidorov", extension="103"),
]
DEFAULT_LINES = [
    SeedLine(number="74951234567", name="Main"),
    SeedLine(number="78005553535", name="Toll-free"),
]


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
        description="Base URL the simulator posts webhooks to ('/events/call' etc. appended).",
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "Base URL of this simulator as clients reach it, for one-time recording links; "
            "empty = the origin of the request that asked for the link."
        ),
    )
    audio_dir: Path | None = Field(
        default=None,
        description="Directory caching generated recordings (mp3); empty = a temporary directory.",
    )
    recording_ready_delay: float = Field(
        default=3.0,
        ge=0,
        description=(
            "Seconds after a call ends during which its recording link answers 'not ready' "
            "(HTTP 404, result 3320); a scripted call may override it."
        ),
    )
    product_id: int = Field(
        default=300012345, description="The PBX product id sent in events/record/added."
    )
    sip_domain: str = Field(
        default="acme.mangosip.ru",
        description="SIP domain of the members' default devices (sip:user101@DOMAIN).",
    )
    webhook_gap: float = Field(
        default=0.0,
        ge=0,
        description="Default pause in seconds between two webhooks of a scripted call.",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Timeout in seconds of one webhook POST."
    )
    callback_answer: bool = Field(
        default=True, description="Whether the client answers click-to-call (commands/callback)."
    )
    callback_talk_seconds: float = Field(
        default=5.0, ge=0, description="Talk time of a click-to-call the client answers."
    )
    callback_record: bool = Field(
        default=True, description="Whether click-to-call conversations are recorded."
    )
    seed_members: list[SeedMember] = Field(
        default_factory=lambda: list(DEFAULT_MEMBERS),
        description="Members at start, as JSON: [{name, extension, email?}].",
    )
    seed_lines: list[SeedLine] = Field(
        default_factory=lambda: list(DEFAULT_LINES),
        description="Company lines at start, as JSON: [{number, name?}].",
    )


def get_settings() -> PbxSimSettings:
    """Load and validate the simulator's settings."""
    return load_settings(PbxSimSettings)
