"""What the worker tells about itself: job metrics, the backlog gauges, ``/metrics``, and the
request id each job runs under (the one of the request that enqueued it)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server
from redis.exceptions import RedisError
from saq import Queue
from sqlalchemy.exc import SQLAlchemyError

from switchboard_api.events.repository import outbox_backlog
from switchboard_api.platform import metrics
from switchboard_api.platform.job_queue import REQUEST_ID_META
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import read_session
from switchboard_api.worker.context import WorkerContext
from switchboard_shared.logs import REQUEST_ID

log = logging.getLogger("switchboard_api.worker")


async def before_job(ctx: WorkerContext) -> None:
    """SAQ hook: the job's lines carry the request id that enqueued it."""
    job = ctx.get("job")
    REQUEST_ID.set(job.meta.get(REQUEST_ID_META) if job is not None and job.meta else None)


async def after_job(ctx: WorkerContext) -> None:
    """SAQ hook: the job's duration and, if it raised, a failure (each retry counts)."""
    job = ctx.get("job")
    if job is not None:
        if job.started:
            elapsed = max(0.0, time.time() - job.started / 1000)
            metrics.JOB_DURATION.labels(job.function).observe(elapsed)
        if ctx.get("exception") is not None:
            metrics.JOB_FAILURES.labels(job.function).inc()
    REQUEST_ID.set(None)


async def sample_backlog(resources: Resources, queue: Queue, every_seconds: float) -> None:
    """Keep the queue depth and outbox gauges current until cancelled."""
    while True:
        try:
            async with read_session(resources.sessionmaker) as session:
                backlog = await outbox_backlog(session)
            depth = await queue.count("queued")
        except (SQLAlchemyError, RedisError, OSError) as exc:
            log.warning("could not measure the backlog: %s", exc)
        else:
            metrics.JOB_QUEUE_DEPTH.set(depth)
            metrics.OUTBOX_UNSEQUENCED.set(backlog.unsequenced)
            metrics.OUTBOX_UNPUBLISHED.set(backlog.unpublished)
            metrics.RELAY_LAG_EVENTS.set(backlog.unsequenced + backlog.unpublished)
            metrics.RELAY_LAG_SECONDS.set(backlog.oldest_seconds)
        await asyncio.sleep(every_seconds)


@contextmanager
def metrics_server(host: str, port: int) -> Iterator[None]:
    """Serve ``/metrics`` on ``host:port`` (a thread) while the block runs; 0: not at all
    (nor when the port is taken: logged)."""
    if port == 0:
        yield
        return
    try:
        server, thread = start_http_server(port, addr=host)
    except OSError as exc:
        # Metrics are for watching the work, not a reason to stop doing it (another worker
        # on this host holds the port): Prometheus shows the target as down.
        log.error("metrics not served on %s:%d: %s", host, port, exc)
        yield
        return
    log.info("metrics on http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
