"""Enqueueing jobs on the worker's SAQ queue, from the API or from a job (inside a
transaction, through ``UnitOfWork.enqueue``: only once it commits)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

from redis.asyncio import RedisCluster
from saq.job import Job, Status
from saq.queue.redis import RedisQueue

from switchboard_api.platform.redis_link import RedisClient, tag
from switchboard_api.settings import ApiSettings
from switchboard_shared.logs import REQUEST_ID

log = logging.getLogger("switchboard_api.jobs")
#: Where a job keeps the id of the request that enqueued it (its lines in the worker carry it).
REQUEST_ID_META = "request_id"


class JobQueue(RedisQueue):
    """SAQ's Redis queue, on one Redis or on a Redis Cluster.

    SAQ's scripts and transactions touch the queue's keys (``saq:<name>:...``), the job's
    (``saq:job:<name>:<key>``) and its abort key (``saq:abort:<key>``) together. On a
    cluster the name is a hash tag and every job key starts with it, so all of them share
    the queue's slot; on one Redis the names stay as they were (renaming would strand the
    queued jobs). SAQ's job notifications (``apply``, a sweep waiting on an abort) go over
    plain pub/sub on the node that owns the slot (docs/redis.md).
    """

    def __init__(self, redis: RedisClient, name: str) -> None:
        self.clustered = isinstance(redis, RedisCluster)
        # SAQ types its client as the one-server Redis; the cluster client has every
        # command it sends (checked against its source, and run by the cluster tests).
        super().__init__(redis, name=tag(name) if self.clustered else name)  # type: ignore[arg-type]

    def key_of(self, job_key: str) -> str:
        """The key a job is stored under: on a cluster, prefixed with the queue's tag (SAQ's
        own cron keys, ``cron:<function>``, included)."""
        if not self.clustered or job_key.startswith(self.name):
            return job_key
        return self.name + job_key

    async def _enqueue(self, job: Job) -> Job | None:
        job.key = self.key_of(job.key)
        return await super()._enqueue(job)

    async def job(self, job_key: str) -> Job | None:
        return await super().job(self.key_of(job_key))

    async def jobs(self, job_keys: Iterable[str]) -> list[Job | None]:
        # SAQ's map/apply look their jobs up by the keys they were given.
        return await super().jobs([self.key_of(key) for key in job_keys])

    async def abort(self, job: Job, error: str, ttl: float = 5) -> None:
        if not self.clustered:
            await super().abort(job, error, ttl)
            return
        # redis-py refuses PUBLISH in a cluster pipeline: the same transaction as SAQ's,
        # then its notification.
        job.status = Status.ABORTING
        job.error = error
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrem(self._queued, 0, job.id)
            pipe.zrem(self._incomplete, job.id)
            pipe.set(job.id, self.serialize(job))
            pipe.setex(job.abort_id, int(ttl), error)
            dequeued, *_ = await pipe.execute()
        await self.notify(job)
        if dequeued:
            await self.finish(job, Status.ABORTED, error=error)
            await self.redis.delete(job.abort_id)
        else:
            await self.redis.lrem(self._active, 0, job.id)

    async def version(self) -> tuple[int, ...]:
        if not self.clustered:
            return await super().version()
        if self._version is None:
            # INFO goes to every node of a cluster; the version of the queue's own will do.
            cluster = cast(RedisCluster, self.redis)
            node = cluster.get_node_from_key(self._queued)
            info = await cluster.info("server", target_nodes=node)
            self._version = tuple(int(i) for i in str(info["redis_version"]).split("."))
        return self._version

    async def disconnect(self) -> None:
        if not self.clustered:
            await super().disconnect()
            return
        await self._pubsub.close()
        await self.redis.aclose()


def queue_of(redis: RedisClient, settings: ApiSettings) -> JobQueue:
    """The worker's queue over an existing Redis client (never disconnect it: the client
    belongs to its owner)."""
    return JobQueue(redis, settings.worker_queue)


async def enqueue(
    redis: RedisClient,
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
