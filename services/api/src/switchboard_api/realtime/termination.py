"""Closing an employee's open realtime connections (signed out, disabled, role changed...):
at once after the commit, or, if the realtime service cannot be reached, by a retried job."""

from __future__ import annotations

import logging
import uuid

import httpx
from redis.asyncio import Redis

from switchboard_api.realtime.publisher import Publisher, PublishError
from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.jobqueue import enqueue
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.realtime.termination")

TERMINATE_JOB = "realtime_terminate_user"


async def _terminate(settings: ApiSettings, user_id: str) -> None:
    timeout = httpx.Timeout(settings.realtime_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout) as http:
        publisher = Publisher(
            http,
            base_url=settings.realtime_api_url,
            app_id=settings.realtime_app_id,
            key=settings.realtime_key,
            secret=settings.realtime_secret.get_secret_value(),
        )
        await publisher.terminate_user_connections(user_id)


async def close_user_connections(redis: Redis, settings: ApiSettings, user_id: uuid.UUID) -> None:
    """Close every connection signed in as the user (call after the commit that ended their
    access); if realtime does not acknowledge it now, the worker retries until it does."""
    try:
        await _terminate(settings, str(user_id))
    except PublishError as exc:
        log.warning("closing %s's realtime connections failed, queued a retry: %s", user_id, exc)
        key = f"rt-terminate:{user_id}:{uuid.uuid4().hex}"
        await enqueue(redis, settings, TERMINATE_JOB, key=key, user_id=str(user_id))


async def realtime_terminate_user(ctx: WorkerContext, *, user_id: str) -> None:
    """The retried job: idempotent (closing nothing is fine)."""
    await _terminate(ctx["resources"].settings, user_id)
