"""Recording retention: a call's recording is deleted from S3 once the call is older than
``telephony_recording_retention_days`` (unset: recordings are kept). The call stays, with
``recording_status = "expired"`` (removed by retention), written like any change.

Idempotent (an expired recording is no longer ``stored``, so a rerun skips it), batched
(one transaction per batch, rows locked with SKIP LOCKED), retried (the deletion from S3 is
the erasure's retried job, so an S3 outage delays it but never loses it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from switchboard_api.calls.entity import CALLS
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.erasure import erase_objects
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.telephony import repository as repo
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.telephony.recording_retention")

BATCH = 200
REASON = "recording_retention"


async def _expire_batch(resources: Resources, cutoff: datetime) -> int:
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(CALLS, uow, record_cache(resources))
        calls = await repo.recordings_past_retention(uow.session, cutoff, BATCH)
        for current in calls:
            key = current["recording_key"]
            await writer.update(current, {"recording_status": "expired", "recording_key": None})
            await erase_objects(uow, CALLS, current["id"], [key], reason=REASON, actor=None)
    return len(calls)


async def expire_recordings(resources: Resources, now: datetime | None = None) -> int:
    """Remove every recording past its retention at ``now``; how many were removed."""
    days = resources.settings.telephony_recording_retention_days
    if days is None:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    total = 0
    while (count := await _expire_batch(resources, cutoff)) > 0:
        total += count
        if count < BATCH:
            break
    return total


async def telephony_expire_recordings(ctx: WorkerContext) -> int:
    """The worker's cron: :func:`expire_recordings` now."""
    removed = await expire_recordings(ctx["resources"])
    log.info("recording retention: %d recording(s) removed", removed)
    return removed
