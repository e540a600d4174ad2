"""Recording ingest (the worker's job) and playback links (the API's redirect).

Ingest: ask the provider for the one-time link, stream the file into S3 (teed to a temp
file on disk, never whole in memory), measure it with ffprobe, update the call. The S3 key
is derived from the recording id, so however often the job runs the object is one object;
a call whose recording is stored is left alone.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from switchboard_api.auth.principal import Principal
from switchboard_api.calls.entity import CALLS
from switchboard_api.errors import NotFound
from switchboard_api.lifecycle.deps import lifecycle_reader, record_cache
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.retry import RetryLater
from switchboard_api.platform.unit_of_work import read_session, unit_of_work
from switchboard_api.telephony import repository as repo
from switchboard_api.telephony.fetch import open_recording
from switchboard_api.telephony.provider_interface import TelephonyProvider
from switchboard_api.telephony.provider_registry import make_provider, provider_http
from switchboard_api.telephony.storage import probe_duration, upload_stream

log = logging.getLogger("switchboard_api.telephony.recordings")

_EXTENSIONS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav"}


class CallNotYetKnown(RetryLater):
    """No call carries this recording yet (its events are still on their way): retry."""


@dataclass(frozen=True, slots=True)
class StoredRecording:
    """What the ingest put in S3."""

    key: str
    size: int
    content_type: str
    duration: float


def recording_key(provider: str, recording_id: str, content_type: str) -> str:
    """The S3 key of a recording: never built from the provider's text directly."""
    digest = hashlib.sha256(f"{provider}:{recording_id}".encode()).hexdigest()[:40]
    return f"recordings/{provider}/{digest[:2]}/{digest}.{_EXTENSIONS.get(content_type, 'bin')}"


async def _call_with_recording(
    resources: Resources, provider: str, recording_id: str
) -> dict[str, Any]:
    async with read_session(resources.sessionmaker) as session:
        row = await repo.call_recording_state(session, provider, recording_id)
    if row is None:
        raise CallNotYetKnown(f"no call has recording {recording_id} yet")
    return row


async def ingest_recording(resources: Resources, provider_name: str, recording_id: str) -> str:
    """Store one recording and attach it to its call; returns what happened."""
    call = await _call_with_recording(resources, provider_name, recording_id)
    if call["recording_status"] in {"stored", "expired"}:  # expired: never fetched again
        return f"already {call['recording_status']}"
    settings = resources.settings
    async with provider_http(settings) as http:
        provider = make_provider(settings, http)
        url = await provider.recording_link(recording_id)  # RecordingNotReady -> retried
        stored = await _download_to_s3(resources, provider_name, recording_id, url, provider)
    await _attach(resources, call["id"], stored)
    log.info("recording %s stored: %d bytes, %.2f s", stored.key, stored.size, stored.duration)
    return "stored"


async def _download_to_s3(
    resources: Resources,
    provider_name: str,
    recording_id: str,
    url: str,
    provider: TelephonyProvider,
) -> StoredRecording:
    settings = resources.settings
    hosts = provider.recording_hosts()
    provider_host = (urlsplit(settings.mango_base_url).hostname or "").lower()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
    with tempfile.TemporaryDirectory(prefix="sb-recording-") as tmp:
        path = Path(tmp) / "recording"
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            open_recording(
                session,
                url,
                allowed_hosts=hosts,
                provider_host=provider_host,
                max_bytes=settings.telephony_recording_max_bytes,
            ) as (media, chunks),
        ):
            key = recording_key(provider_name, recording_id, media)
            with path.open("wb") as tee:
                async with resources.s3_client() as s3:
                    size = await upload_stream(
                        s3,
                        bucket=settings.s3_bucket,
                        key=key,
                        content_type=media,
                        chunks=chunks,
                        tee=tee,
                    )
        duration = await probe_duration(settings.telephony_ffprobe_path, path)
    return StoredRecording(key=key, size=size, content_type=media, duration=duration)


async def _attach(resources: Resources, call_id: uuid.UUID, stored: StoredRecording) -> None:
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(CALLS, uow, record_cache(resources))
        current = await writer.get(call_id, lock=True)
        if current is not None:
            await writer.update(
                current,
                {
                    "recording_status": "stored",
                    "recording_key": stored.key,
                    "recording_size": stored.size,
                    "recording_content_type": stored.content_type,
                    "recording_duration": round(stored.duration, 3),
                },
            )


async def mark_recording_failed(resources: Resources, provider: str, recording_id: str) -> None:
    """After the last try: the call says its recording could not be stored."""
    async with unit_of_work(resources) as uow:
        current = await repo.call_by(uow.session, provider, recording_id=recording_id)
        if current is not None and current["recording_status"] != "stored":
            writer = RecordWriter(CALLS, uow, record_cache(resources))
            await writer.update(current, {"recording_status": "failed"})


async def playback_url(resources: Resources, principal: Principal, call_id: uuid.UUID) -> str:
    """A short-lived presigned URL of the call's recording, reachable through nginx; 404
    if the caller may read the call but it has no stored recording."""
    await lifecycle_reader(CALLS, resources, principal).get_json(call_id)  # read check, 404
    async with read_session(resources.sessionmaker) as session:
        row = await repo.stored_recording(session, call_id)
    if row is None or row["recording_key"] is None:
        raise NotFound(f"call {call_id} has no stored recording")
    settings = resources.settings
    async with resources.public_s3_client() as s3:
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": settings.s3_bucket,
                "Key": row["recording_key"],
                "ResponseContentType": row["recording_content_type"] or "audio/mpeg",
            },
            ExpiresIn=settings.telephony_recording_url_seconds,
        )
    return url
