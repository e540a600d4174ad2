"""Enqueueing jobs on the worker's SAQ queue, from the API or from a job (inside a
transaction, through ``UnitOfWork.enqueue``: only once it commits)."""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis
from saq.queue.redis import RedisQueue

from switchboard_api.settings import ApiSettings
from switchboard_shared.logs import REQUEST_ID

log = logging.getLogger("switchboard_api.jobs")
#: Where a job keeps the id of the request that enqueued it (its lines in the worker carry it).
REQUEST_ID_META = "request_id"


def queue_of(redis: Redis, settings: ApiSettings) -> RedisQueue:
    """The worker's queue over an existing Redis client (never disconnect it: the client
    belongs to its owner)."""
    return RedisQueue(redis, name=settings.worker_queue)


async def enqueue(
    redis: Redis,
    settings: ApiSettings,
    function: str,
    *,
    key: str,
    retries: int = 10,
    retry_delay: float = 2.0,
    job_timeout: int = 600,
    max_backoff: float = 300.0,
    **kwargs: Any,
) -> None:
    """Enqueue ``function`` once per ``key`` (a key already queued or running is a no-op),
    retried with exponential backoff (jittered, at most ``max_backoff`` seconds apart) when
    it raises. The job runs under the current request id, if any."""
    request_id = REQUEST_ID.get()
    if request_id is not None:
        kwargs["meta"] = {REQUEST_ID_META: request_id}
    job = await queue_of(redis, settings).enqueue(
        function,
        key=key,
        retries=retries,
        retry_delay=retry_delay,
        retry_backoff=max_backoff,
        timeout=job_timeout,
        **kwargs,
    )
    if job is not None:
        log.info("enqueued %s (%s)", function, key)
