"""The API's one settings object, read from ``API_*`` environment variables."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard_shared.settings import DEV_ONLY, load_settings, refuse_development_values

#: One listing of an upload's parts (ListParts answers up to 1,000): completion reads them once.
MAX_UPLOAD_PARTS = 1000

# What a production start must be given: secrets, and what ties it to the real PBX (its
# API, and the addresses its webhooks come from, or anyone could forge a call).
PRODUCTION_REQUIRED = (
    "database_url",
    "redis_url",
    "s3_access_key",
    "s3_secret_key",
    "secret_key",
    "realtime_secret",
    "mango_base_url",
    "mango_api_key",
    "mango_api_salt",
    "telephony_webhook_sources",
)


class ApiSettings(BaseSettings):
    """Configuration of the API and worker processes. Defaults are for local development only."""

    # hide_input_in_errors: a validation error must never print the secrets it was given.
    model_config = SettingsConfigDict(env_prefix="API_", extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "production"] = Field(
        default="development",
        description="production: refuse to start while a secret is unset or a dev-only value.",
    )
    database_url: SecretStr = Field(
        default=SecretStr(
            "postgresql+asyncpg://switchboard:switchboard@127.0.0.1:8110/switchboard"
        ),
        description="SQLAlchemy URL of PostgreSQL >= 16 (asyncpg driver).",
    )
    database_pool_size: int = Field(default=10, ge=1, description="Connections per process.")
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:8111/0"),
        description="Redis URL; redis+cluster://host:port (any node) for a Redis Cluster.",
    )
    s3_endpoint_url: str = Field(
        default="http://127.0.0.1:8127", description="S3 endpoint the API talks to."
    )
    s3_public_url: str = Field(
        default="http://localhost:8080",
        description="Base URL browsers use to reach S3 through nginx (presigned links).",
    )
    s3_region: str = Field(default="us-east-1", description="S3 region name.")
    s3_bucket: str = Field(default="switchboard", description="Bucket for recordings and files.")
    s3_access_key: SecretStr = Field(default=SecretStr("dev-only-access"), description="S3 key id.")
    s3_secret_key: SecretStr = Field(
        default=SecretStr(DEV_ONLY + "s3-secret"), description="S3 secret key."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_ONLY + "secret-key-change-me"),
        description="Secret for signing (CSRF tokens, realtime channel auth fallbacks).",
    )
    readiness_timeout_seconds: float = Field(
        default=1.5, gt=0, description="Per-dependency time limit of /api/readyz."
    )
    default_phone_region: str = Field(
        default="RU", description="Region for phone numbers written without a country code."
    )
    trash_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days a record stays in the trash before the worker purges it.",
    )
    trash_purge_cron: str = Field(
        default="17 * * * *",
        description="When the worker runs the trash purge (cron syntax, UTC).",
    )
    erasure_sweep_cron: str = Field(
        default="*/5 * * * *",
        description=(
            "When the worker retries deleting S3 objects of erased records that are still "
            "left (cron, UTC)."
        ),
    )
    notifications_due_lead_minutes: int = Field(
        default=30,
        ge=1,
        le=7 * 24 * 60,
        description="How long before a task's due time its assignee is told it is due soon.",
    )
    notifications_overdue_window_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 365,
        description="How far back the due-time scan looks for tasks that became overdue.",
    )
    notifications_due_scan_cron: str = Field(
        default="* * * * *",
        description="When the worker looks for tasks due soon or overdue (cron, UTC).",
    )
    worker_queue: str = Field(
        default="switchboard", description="Name of the worker's SAQ job queue in Redis."
    )
    worker_concurrency: int = Field(
        default=10, ge=1, description="Jobs one worker process runs at the same time."
    )
    worker_heartbeat_file: str = Field(
        default="",
        description="File the worker touches every 15 s for a container healthcheck (empty: off).",
    )
    metrics_dir: str = Field(
        default="",
        description=(
            "Directory the API's uvicorn worker processes add up their metrics in (emptied "
            "at each start; empty: a new temporary directory)."
        ),
    )
    worker_metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the worker serves its Prometheus /metrics on (internal only).",
    )
    worker_metrics_port: int = Field(
        default=9108,
        ge=0,
        le=65535,
        description="Port of the worker's Prometheus /metrics (0: not served).",
    )
    worker_metrics_sample_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the worker measures the job queue and the outbox backlog.",
    )
    worker_shutdown_grace_seconds: int = Field(
        default=10, ge=0, description="How long running jobs may finish after SIGTERM."
    )
    sequencer_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Fallback poll of the event sequencer when no wake-up message arrives.",
    )
    relay_batch_events: int = Field(
        default=50,
        ge=1,
        le=500,
        description="Events per publish request of the outbox relay (two messages each).",
    )
    relay_poll_seconds: float = Field(
        default=1.0, gt=0, description="Fallback poll of the outbox relay when no NOTIFY arrives."
    )
    relay_mark_seconds: float = Field(
        default=0.2,
        ge=0,
        description="How long the relay lets acknowledged events gather before marking "
        "them published in one statement (a crash may resend up to this much).",
    )
    relay_max_backoff_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait between retries while realtime is down."
    )
    realtime_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Time limit of one request to the realtime publish API."
    )
    cache_ttl_seconds: int = Field(
        default=3600, ge=1, description="How long a record stays in the Redis read cache."
    )
    cache_timeout_seconds: float = Field(
        default=0.25,
        gt=0,
        description="Time limit of one cache operation; past it reads fall through to PostgreSQL.",
    )
    realtime_api_url: str = Field(
        default="http://127.0.0.1:8101",
        description="Internal base URL of the realtime service's publish API.",
    )
    realtime_app_id: str = Field(
        default="1", description="Pusher app id (numeric: stock server libraries require it)."
    )
    realtime_key: str = Field(default="switchboard-key", description="Pusher app key.")
    realtime_secret: SecretStr = Field(
        default=SecretStr(DEV_ONLY + "realtime-secret"), description="Pusher app secret."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    max_json_depth: int = Field(
        default=32,
        ge=2,
        le=200,
        description="How deep a request's JSON body may nest (400 beyond).",
    )
    session_cookie_name: str = Field(
        default="sb_session", description="Name of the HttpOnly session cookie."
    )
    session_cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie only over HTTPS (set true in production).",
    )
    session_idle_seconds: int = Field(
        default=8 * 3600,
        ge=1,
        description="A session ends after this long without a request (sliding expiry).",
    )
    session_absolute_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=1,
        description="A session ends this long after login, however active (absolute cap).",
    )
    auth_cache_seconds: int = Field(
        default=300, ge=1, description="How long user and API-token lookups stay in Redis."
    )
    login_account_address_limit: int = Field(
        default=5,
        ge=1,
        description="Login attempts at one account from one address within the account window.",
    )
    login_account_limit: int = Field(
        default=100,
        ge=1,
        description="Login attempts at one account from all addresses within the account window "
        "(the cap a stranger rotating addresses runs into; keep it well above the one above).",
    )
    login_account_window_seconds: int = Field(
        default=900, ge=1, description="Window of the per-account login attempt limit."
    )
    login_address_limit: int = Field(
        default=30,
        ge=1,
        description="Failed login attempts per client address (IPv6: per /64) within the "
        "address window.",
    )
    login_address_window_seconds: int = Field(
        default=900, ge=1, description="Window of the per-address login attempt limit."
    )
    telephony_provider: Literal["mango"] = Field(
        default="mango", description="Which cloud PBX the telephony adapter talks to."
    )
    mango_base_url: str = Field(
        default="http://127.0.0.1:8102/vpbx",
        description="Mango Office VPBX API base URL (production: https://app.mango-office.ru/vpbx).",
    )
    mango_api_key: str = Field(
        default="dev-only-vpbx-key", description="Mango VPBX API key (vpbx_api_key)."
    )
    mango_api_salt: SecretStr = Field(
        default=SecretStr("dev-only-vpbx-salt"), description="Mango VPBX signing salt."
    )
    mango_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time limit of one request to the Mango API."
    )
    mango_access_role_id: int = Field(
        default=10454, description="Mango access_role_id given to PBX members we create."
    )
    telephony_webhook_sources: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks (CIDR) webhooks may come from (Mango: "
            "81.88.80.132,81.88.80.133,81.88.82.36,81.88.82.44,81.88.82.45); empty = any."
        ),
    )
    attachments_max_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1, description="Largest file one attachment may hold."
    )
    attachments_part_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=5 * 1024 * 1024,  # S3's smallest part (but the last)
        le=100 * 1024 * 1024,  # within nginx's body limit on the storage location
        description=(
            "Files larger than this are uploaded in parts of this size (an S3 multipart "
            "upload, one presigned PUT per part, each verified on its own)."
        ),
    )
    attachments_allowed_types: str = Field(
        default=(
            "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain,text/csv,"
            "audio/mpeg,audio/wav,application/zip,application/msword,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/vnd.ms-excel,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        description="Comma-separated content types a file may be uploaded as.",
    )
    attachments_per_record: int = Field(
        default=100, ge=1, description="Files one record may hold (trashed ones count)."
    )
    attachments_upload_seconds: int = Field(
        default=900, ge=10, le=86_400, description="Lifetime of a presigned upload form."
    )
    attachments_url_seconds: int = Field(
        default=300, ge=10, le=86_400, description="Lifetime of a file download link."
    )
    attachments_stale_hours: int = Field(
        default=24, ge=1, description="Hours after which an upload never completed is removed."
    )
    attachments_cleanup_cron: str = Field(
        default="29 * * * *",
        description="When the worker removes uploads never completed (cron, UTC).",
    )
    telephony_recording_hosts: str = Field(
        default="",
        description=(
            "Comma-separated extra hosts recordings may be downloaded from (Mango: "
            "files.mango-office.ru); the provider API host is always allowed."
        ),
    )
    telephony_recording_max_bytes: int = Field(
        default=500 * 1024 * 1024, ge=1, description="Largest recording the worker stores."
    )
    telephony_recording_url_seconds: int = Field(
        default=300, ge=10, le=86_400, description="Lifetime of a recording playback link."
    )
    telephony_recording_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="First wait before asking again for a recording the provider has not ready.",
    )
    telephony_recording_attempts: int = Field(
        default=12, ge=1, description="Tries of the recording ingest before it gives up."
    )
    telephony_ffprobe_path: str = Field(
        default="/usr/bin/ffprobe", description="The ffprobe binary that measures recordings."
    )
    telephony_missed_call_tasks: bool = Field(
        default=True,
        description="Create a call-back task for a missed call from a known contact (closed "
        "by itself once a call with that number is answered).",
    )
    workspace_language: Literal["ru", "en"] = Field(
        default="ru",
        description="The language of the words the system itself writes into records (a "
        "call-back task's title and description); each employee picks their interface's.",
    )
    telephony_callback_due_minutes: int = Field(
        default=15, ge=1, le=10_080, description="Minutes after a missed call its call-back is due."
    )
    telephony_history_cron: str = Field(
        default="17 2 * * *",
        description="When the worker reconciles the previous days' calls with the PBX's call "
        "history (cron, UTC).",
    )
    telephony_history_days: int = Field(
        default=2,
        ge=1,
        le=31,
        description="Days back the nightly call-history reconciliation covers.",
    )
    mango_stats_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait between polls of a PBX call-history report not ready yet.",
    )
    mango_stats_wait_seconds: float = Field(
        default=120.0, gt=0, description="How long to wait for a PBX call-history report."
    )
    telephony_dial_prefixes: str = Field(
        default="+7",
        description="Comma-separated E.164 prefixes click-to-call may dial (country codes or "
        "longer, e.g. +7,+375); empty = any destination.",
    )
    telephony_dial_limit: int = Field(
        default=30, ge=1, description="Click-to-call dials one user may start per dial window."
    )
    telephony_dial_window_seconds: int = Field(
        default=600, ge=1, description="Window of the per-user click-to-call limit."
    )
    telephony_recording_retention_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Days after a call a recording is kept before the worker deletes it from S3 "
            "(the call stays); empty = keep recordings."
        ),
    )
    telephony_recording_retention_cron: str = Field(
        default="41 3 * * *",
        description="When the worker deletes recordings past their retention (cron, UTC).",
    )
    telephony_sync_cron: str = Field(
        default="*/5 * * * *",
        description="When the worker reconciles PBX members, lines and lists (cron, UTC).",
    )

    @property
    def attachment_types(self) -> frozenset[str]:
        """The allowed content types of files, as a set."""
        return frozenset(
            part.strip().lower()
            for part in self.attachments_allowed_types.split(",")
            if part.strip()
        )

    @field_validator("telephony_dial_prefixes")
    @classmethod
    def _dial_prefixes(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            if not re.fullmatch(r"\+[0-9]{1,14}", item):
                raise ValueError(f"{item!r} is not an E.164 prefix such as +7 or +3751")
        return value

    @field_validator("telephony_webhook_sources")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            ipaddress.ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _parts_within_s3s_limit(self) -> ApiSettings:
        if -(-self.attachments_max_bytes // self.attachments_part_bytes) > MAX_UPLOAD_PARTS:
            raise ValueError(
                f"attachments_max_bytes / attachments_part_bytes exceeds {MAX_UPLOAD_PARTS} parts"
            )
        return self

    @model_validator(mode="after")
    def _production_has_real_secrets(self) -> ApiSettings:
        if self.env == "production":
            refuse_development_values(self, PRODUCTION_REQUIRED)
        return self


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    """The process-wide settings, loaded and validated once."""
    return load_settings(ApiSettings)
