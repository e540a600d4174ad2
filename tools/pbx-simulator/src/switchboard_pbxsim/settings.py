"""The simulator's one settings object, read from ``PBXSIM_*`` environment variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard_shared.settings import load_settings


@dataclass(frozen=True)
class SeedMember:
    """An employee the simulated PBX knows at start."""

    extension: str
    name: str


@dataclass(frozen=True)
class SeedLine:
    """A company line (DID) the simulated PBX has at start."""

    number: str
    name: str | None


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    """Parse ``key:label,key:label`` (labels optional) as env vars carry seed data."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, label = item.partition(":")
        if not key.strip().isdigit():
            raise ValueError(f"{what} {key.strip()!r} must be digits")
        pairs.append((key.strip(), label.strip()))
    return pairs


class PbxSimSettings(BaseSettings):
    """Configuration of the PBX simulator. Defaults are for local development only."""

    # Empty values (PBXSIM_AUDIO_DIR= in a .env file) mean "use the default".
    model_config = SettingsConfigDict(env_prefix="PBXSIM_", extra="ignore", env_ignore_empty=True)

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
    seed_members: str = Field(
        default="101:Ivan,102:Maria,103:Oleg",
        description="Members at start: comma-separated extension:name pairs (name optional).",
    )
    seed_lines: str = Field(
        default="74951234567:Main,78005553535:Toll-free",
        description="Company lines at start: comma-separated number:name pairs (name optional).",
    )

    @field_validator("seed_members", "seed_lines")
    @classmethod
    def _parses(cls, value: str) -> str:
        _pairs(value, "seed number")
        return value

    def members(self) -> list[SeedMember]:
        """The seeded members, parsed from ``seed_members``."""
        return [SeedMember(ext, name or f"Employee {ext}") for ext, name in
                _pairs(self.seed_members, "extension")]  # fmt: skip

    def lines(self) -> list[SeedLine]:
        """The seeded lines, parsed from ``seed_lines``."""
        return [SeedLine(number, name or None) for number, name in
                _pairs(self.seed_lines, "line number")]  # fmt: skip


def get_settings() -> PbxSimSettings:
    """Load and validate the simulator's settings."""
    return load_settings(PbxSimSettings)
