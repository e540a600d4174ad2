"""The worker's jobs for files: measuring a completed file (checksum, image size, thumbnail;
an avatar's squares, then making it the user's avatar) and removing uploads never
completed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from switchboard_api.attachments import repository as repo
from switchboard_api.attachments.entity import ATTACHMENTS, thumbnail_key_for
from switchboard_api.attachments.measuring import (
    IMAGE_TYPES,
    HashingFile,
    ImageFacts,
    image_facts,
    needs_measuring,
    temporary_directory,
)
from switchboard_api.avatars.rules import AVATAR_OWNER, AVATAR_PIXELS, AvatarSize, avatar_key
from switchboard_api.avatars.service import adopt_avatar
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.repository import LifecycleRepository
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import read_session, unit_of_work
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.attachments")

CHUNK = 1024 * 1024
STALE_BATCH = 100


async def inspect_attachment(
    resources: Resources, attachment_id: uuid.UUID, promised_sha256: str | None = None
) -> str:
    """Hash the file (and for an image: measure it, store its thumbnail) and write what was
    found to its record; returns what happened. A file whose SHA-256 differs from the one
    its uploader promised (a large file: S3 verified each part, not the whole) is trashed:
    it is not the file that was sent."""
    async with read_session(resources.sessionmaker) as session:
        row = await LifecycleRepository(session, ATTACHMENTS).get(attachment_id)
    if row is None or row["status"] != "ready":
        return "gone or not completed"
    if not needs_measuring(row):
        return "already measured"
    bucket = resources.settings.s3_bucket
    values: dict[str, object] = {}
    avatar = row["parent_type"] == AVATAR_OWNER
    squares: Mapping[AvatarSize, int] = AVATAR_PIXELS if avatar else {}
    facts: ImageFacts | None = None
    if row["content_type"] not in IMAGE_TYPES:
        # Only hashed: streamed through the digest, never written to disk (a 100 MiB PDF
        # would otherwise cost as much disk traffic as its download).
        digest = hashlib.sha256()
        await _read_object(resources, row["storage_key"], digest.update)
        values["checksum_sha256"] = digest.hexdigest()
    else:
        with temporary_directory() as tmp:
            sink = HashingFile(tmp)
            try:
                await _read_object(resources, row["storage_key"], sink.write)
            finally:
                sink.close()
            if row["checksum_sha256"] is None:
                values["checksum_sha256"] = sink.digest.hexdigest()
            # Decoding is CPU work: off the event loop.
            facts = await asyncio.to_thread(image_facts, sink.path, squares.values())
    if facts is not None:
        key = thumbnail_key_for(row["storage_key"])
        stored = {key: facts.thumbnail}
        stored |= {avatar_key(row["storage_key"], s): facts.squares[p] for s, p in squares.items()}
        async with resources.s3_client() as s3:
            for object_key, body in stored.items():
                await s3.put_object(
                    Bucket=bucket, Key=object_key, Body=body, ContentType="image/jpeg"
                )
        values |= {"width": facts.width, "height": facts.height, "thumbnail_key": key}
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(ATTACHMENTS, uow, record_cache(resources))
        current = await writer.get(attachment_id, lock=True)
        if current is None:  # purged meanwhile: its objects (thumbnail too) are erased below
            return "purged meanwhile"
        measured = await writer.update(current, values)
        found = values.get("checksum_sha256")
        if promised_sha256 is not None and found is not None and found != promised_sha256:
            await writer.trash(measured, {})
            log.warning(
                "attachment %s: SHA-256 %s, %s was promised: trashed",
                attachment_id,
                found,
                promised_sha256,
            )
            return "not the promised file: trashed"
        if avatar:  # its squares are stored: it may now be shown
            return await adopt_avatar(uow, measured, usable=facts is not None)
    return "measured"


async def _read_object(resources: Resources, key: str, consume: Callable[[bytes], object]) -> None:
    """Stream the object under ``key`` into ``consume``, a chunk at a time."""
    async with resources.s3_client() as s3:
        answer = await s3.get_object(Bucket=resources.settings.s3_bucket, Key=key)
        body = answer["Body"]
        try:
            async for chunk in body.iter_chunks(CHUNK):
                consume(chunk)
        finally:
            body.close()


async def attachments_inspect(
    ctx: WorkerContext, *, attachment_id: str, promised_sha256: str | None = None
) -> str:
    """The worker's job: :func:`inspect_attachment`."""
    return await inspect_attachment(ctx["resources"], uuid.UUID(attachment_id), promised_sha256)


async def remove_stale_uploads(resources: Resources, now: datetime | None = None) -> int:
    """Trash and purge every file still pending ``attachments_stale_hours`` after it was
    started (its object, if any arrived, is erased with it); how many were removed."""
    hours = resources.settings.attachments_stale_hours
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=hours)
    total = 0
    while True:
        async with unit_of_work(resources) as uow:
            writer = RecordWriter(ATTACHMENTS, uow, record_cache(resources))
            stale = await repo.stale_uploads(uow.session, cutoff, STALE_BATCH)
            for attachment_id in stale:
                current = await writer.get(attachment_id, lock=True)
                if current is None:
                    continue
                trashed = current if current["deleted_at"] else await writer.trash(current, {})
                await writer.purge(trashed)
        total += len(stale)
        if len(stale) < STALE_BATCH:
            return total


async def attachments_remove_stale(ctx: WorkerContext) -> int:
    """The worker's job (cron): :func:`remove_stale_uploads` now."""
    removed = await remove_stale_uploads(ctx["resources"])
    log.info("stale uploads: %d removed", removed)
    return removed


JOB_FUNCTIONS = (attachments_inspect, attachments_remove_stale)
"""Registered with the worker (``switchboard_api.worker.registry``)."""
