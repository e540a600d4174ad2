"""Closing an employee's open realtime connections (signed out, disabled, role changed...):
at once after the commit, or, if the realtime service cannot be reached, by a retried job."""

from __future__ import annotations

import logging
import uuid

from switchboard_api.platform.job_queue import enqueue
from switchboard_api.platform.resources import Resources
from switchboard_api.realtime.publisher import PublishError
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.realtime.termination")

TERMINATE_JOB = "realtime_terminate_user"


async def close_user_connections(resources: Resources, user_id: uuid.UUID) -> None:
    """Close every connection signed in as the user (call after the commit that ended their
    access), through the process's realtime publisher; if realtime does not acknowledge it
    now, the worker retries until it does."""
    try:
        await resources.publisher.terminate_user_connections(str(user_id))
    except PublishError as exc:
        log.warning("closing %s's realtime connections failed, queued a retry: %s", user_id, exc)
        key = f"rt-terminate:{user_id}:{uuid.uuid4().hex}"
        await enqueue(
            resources.redis, resources.settings, TERMINATE_JOB, key=key, user_id=str(user_id)
        )


async def realtime_terminate_user(ctx: WorkerContext, *, user_id: str) -> None:
    """The retried job: idempotent (closing nothing is fine)."""
    await ctx["resources"].publisher.terminate_user_connections(user_id)
