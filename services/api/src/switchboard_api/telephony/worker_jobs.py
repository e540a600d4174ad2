"""The worker's telephony jobs (their names are what ``pbx_sync_hooks`` and ``call_folding`` enqueue).

All are idempotent and raise on a provider outage, so SAQ retries them with backoff.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import msgspec

from switchboard_api.platform import metrics
from switchboard_api.platform.job_queue import enqueue
from switchboard_api.platform.unit_of_work import read_session
from switchboard_api.telephony import repository as repo
from switchboard_api.telephony.call_folding import INGEST_JOB, ingest_options
from switchboard_api.telephony.call_history import last_days, reconcile_calls
from switchboard_api.telephony.pbx_sync import sync_lines, sync_lists, sync_member
from switchboard_api.telephony.provider_registry import make_provider, provider_http
from switchboard_api.telephony.recording_retention import telephony_expire_recordings
from switchboard_api.telephony.recordings import ingest_recording, mark_recording_failed
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.telephony.worker_jobs")


def _last_try(ctx: WorkerContext) -> bool:
    job = ctx.get("job")
    return job is not None and job.attempts >= job.retries


async def telephony_ingest_recording(
    ctx: WorkerContext, *, provider: str, recording_id: str
) -> str:
    """Store one recording in S3 and attach it to its call."""
    resources = ctx["resources"]
    try:
        outcome = await ingest_recording(resources, provider, recording_id)
    except Exception:
        if _last_try(ctx):
            metrics.RECORDING_INGESTS.labels("failed").inc()
            log.error("recording %s: giving up", recording_id)
            await mark_recording_failed(resources, provider, recording_id)
        else:
            metrics.RECORDING_INGESTS.labels("retry").inc()
        raise
    metrics.RECORDING_INGESTS.labels("stored" if outcome == "stored" else "duplicate").inc()
    return outcome


async def telephony_sync_member(ctx: WorkerContext, *, user_id: str) -> str:
    """Bring one employee's PBX member in step."""
    resources = ctx["resources"]
    async with provider_http(resources.settings) as http:
        provider = make_provider(resources.settings, http)
        return await sync_member(resources, provider, uuid.UUID(user_id))


async def telephony_sync_lists(ctx: WorkerContext) -> dict[str, int]:
    """Bring the provider's black/white lists in step with ours."""
    resources = ctx["resources"]
    async with provider_http(resources.settings) as http:
        return await sync_lists(resources, make_provider(resources.settings, http))


async def telephony_reconcile(ctx: WorkerContext) -> dict[str, Any]:
    """The periodic safety net: every member, the lines, the lists, and recordings still
    waiting to be ingested."""
    resources = ctx["resources"]
    settings = resources.settings
    report: dict[str, Any] = {}
    async with provider_http(settings) as http:
        provider = make_provider(settings, http)
        async with read_session(resources.sessionmaker) as session:
            user_ids = await repo.users_to_sync(session)
        report["members"] = [await sync_member(resources, provider, u) for u in user_ids]
        report["lines"] = await sync_lines(resources, provider)
        report["lists"] = await sync_lists(resources, provider)
    async with read_session(resources.sessionmaker) as session:
        pending = await repo.pending_recordings(session)
    for provider_name, recording_id in pending:
        options = ingest_options(provider_name, recording_id, settings)
        await enqueue(resources.redis, settings, INGEST_JOB, **options)
    report["recordings_requeued"] = len(pending)
    log.info("telephony reconciliation: %s", report)
    return report


async def telephony_reconcile_history(ctx: WorkerContext) -> dict[str, Any]:
    """The nightly safety net for lost webhooks: the last days' calls from the PBX's call
    history, the missing ones created."""
    resources = ctx["resources"]
    settings = resources.settings
    start, end = last_days(settings.telephony_history_days)
    async with provider_http(settings) as http:
        report = await reconcile_calls(resources, make_provider(settings, http), start, end)
    return msgspec.to_builtins(report)  # type: ignore[no-any-return]


JOB_FUNCTIONS = (
    telephony_ingest_recording,
    telephony_expire_recordings,
    telephony_sync_member,
    telephony_sync_lists,
    telephony_reconcile,
    telephony_reconcile_history,
)
"""Registered with the worker (``switchboard_api.worker.registry``)."""
