"""Deleting the S3 objects erasures let go of, retried until S3 confirms each one.

An erasure records its objects in ``pending_object_deletions`` in its own transaction and
queues :data:`ERASE_OBJECTS_JOB` after the commit; the job deletes what it can and raises
while anything is left, so SAQ retries it with backoff; a cron sweeps whatever a lost job
or an exhausted retry left behind. Deleting an object that is already gone succeeds, so a
repeat is harmless.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from switchboard_api.erasure import repository as repo
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork, unit_of_work
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.erasure")

ERASE_OBJECTS_JOB = "erase_pending_objects"
BATCH = 100


class ObjectsLeft(Exception):
    """Some objects could not be deleted yet (S3 refused or was unreachable): retry."""


def schedule_object_deletion(uow: UnitOfWork, entity_id: uuid.UUID) -> None:
    """Once ``uow`` commits, start deleting the objects it queued (retried with backoff)."""
    uow.enqueue(ERASE_OBJECTS_JOB, key=f"erase-objects:{entity_id}", retries=30)


async def _abort_uploads(s3: Any, bucket: str, key: str) -> None:
    """Abort any multipart upload still in progress to ``key`` (a large file erased before
    its upload was completed): its parts are not an object, so deleting the key leaves them."""
    listed = await s3.list_multipart_uploads(Bucket=bucket, Prefix=key)
    for upload in listed.get("Uploads", []):
        if upload["Key"] == key:
            await s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])


async def _delete_batch(resources: Resources) -> tuple[int, str | None]:
    """Delete up to one batch; how many were deleted, and the error that stopped it."""
    deleted: list[int] = []
    async with unit_of_work(resources) as uow:
        pending = await repo.claim_pending(uow.session, BATCH)
        if not pending:
            return 0, None
        failure: str | None = None
        async with resources.s3_client() as s3:
            for item in pending:
                try:
                    await s3.delete_object(Bucket=item.bucket, Key=item.key)
                    await _abort_uploads(s3, item.bucket, item.key)
                except Exception as exc:  # S3 down or refusing: all later ones would fail too
                    failure = f"{type(exc).__name__}: {exc}"
                    await repo.note_failed_attempt(uow.session, item.id, failure)
                    break
                deleted.append(item.id)
                log.info("erased object %s/%s", item.bucket, item.key)
        await repo.forget_deleted(uow.session, deleted)
    return len(deleted), failure


async def delete_pending_objects(resources: Resources) -> int:
    """Delete every object still pending; how many were deleted. Raises
    :class:`ObjectsLeft` if S3 failed on one (what was deleted before stays deleted)."""
    total = 0
    while True:
        try:
            count, failure = await _delete_batch(resources)
        except OSError as exc:  # S3 unreachable while opening the client
            raise ObjectsLeft(str(exc)) from exc
        total += count
        if failure is not None:
            raise ObjectsLeft(f"{total} deleted, then: {failure}")
        if count < BATCH:
            return total


async def erase_pending_objects(ctx: WorkerContext) -> int:
    """The worker's job (and cron): :func:`delete_pending_objects`."""
    return await delete_pending_objects(ctx["resources"])
