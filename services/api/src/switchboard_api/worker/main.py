"""``python -m switchboard_api worker``: jobs, sequencer and relay in one process.

SIGTERM/SIGINT stop it cleanly: running jobs get a grace period, the sequencer and relay
are cancelled between passes (an unacknowledged batch is simply sent again next time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from pathlib import Path

from redis.exceptions import RedisError
from saq import Worker

from switchboard_api.events.pg import asyncpg_dsn
from switchboard_api.events.relay import Relay
from switchboard_api.events.sequencer import Sequencer
from switchboard_api.events.tracing import RequestTrace
from switchboard_api.platform import retry
from switchboard_api.platform.job_queue import JobQueue
from switchboard_api.platform.metrics import sample_pool
from switchboard_api.platform.redis_link import RedisClient, connect
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.settings import ApiSettings
from switchboard_api.worker import observation, registry
from switchboard_api.worker.context import WorkerContext
from switchboard_shared.runtime import freeze_startup_heap

log = logging.getLogger("switchboard_api.worker")
HEARTBEAT_SECONDS = 15.0


#: How long a starting worker leaves SAQ's sweep alone (its default sweep interval).
FIRST_SWEEP_AFTER_SECONDS = 60.0


class WorkerQueue(JobQueue):
    """The job queue (one Redis or a cluster), whose sweep waits until the worker has been
    up a while.

    SAQ aborts ("swept") every job in its active list whose status is not ACTIVE, and a
    job a worker has just dequeued is still QUEUED until the worker marks it
    (tobymao/saq#124, #277). A worker sweeps the moment it starts, exactly when it
    dequeues the jobs that waited for it, so it aborted some of them. Jobs a dead worker
    left ACTIVE are recovered by the first sweep a minute later instead.
    """

    def __init__(self, redis: RedisClient, name: str) -> None:
        super().__init__(redis, name)
        self._first_sweep_at = time.monotonic() + FIRST_SWEEP_AFTER_SECONDS

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        if time.monotonic() < self._first_sweep_at:
            return []
        return await super().sweep(lock, abort)


def make_queue(settings: ApiSettings) -> WorkerQueue:
    """The SAQ queue on Redis that the worker consumes and producers enqueue to."""
    return WorkerQueue(connect(settings.redis_url.get_secret_value()), settings.worker_queue)


def _make_worker(queue: WorkerQueue, resources: Resources) -> Worker[WorkerContext]:
    settings = resources.settings
    worker: Worker[WorkerContext] = Worker(
        queue,
        functions=registry.functions(),
        before_process=observation.before_job,
        after_process=observation.after_job,
        cron_jobs=registry.cron_jobs(settings),
        concurrency=settings.worker_concurrency,
        shutdown_grace_period_s=settings.worker_shutdown_grace_seconds,
        # A bounded wait for the next job, so an idle worker notices a stop within a
        # second instead of spending the whole grace period blocked in Redis.
        dequeue_timeout=1.0,
    )
    worker.SIGNALS = []  # this module owns signal handling for the whole process
    worker.context["resources"] = resources
    return worker


async def _stop_jobs(worker: Worker[WorkerContext]) -> None:
    # SAQ's stop() waits the grace period for *all* its tasks, including upkeep loops that
    # sleep up to a minute (and may swallow one cancellation inside a Redis call); only
    # running jobs deserve the grace, so end the loops first, re-cancelling until done.
    worker.event.set()
    upkeep = {task for task in worker.tasks if task.get_name() != "process"}
    for _ in range(50):
        if not upkeep:
            break
        for task in upkeep:
            task.cancel()
        _, upkeep = await asyncio.wait(upkeep, timeout=0.1)
    await worker.stop()


async def _heartbeat(path: Path, every_seconds: float) -> None:
    # A container healthcheck reads the file's age: a stuck event loop stops touching it.
    while True:
        await asyncio.to_thread(path.touch)
        await asyncio.sleep(every_seconds)


async def run_worker(settings: ApiSettings) -> int:
    """Run until SIGTERM/SIGINT (exit status 0), or until a part ends unexpectedly (1)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    retry.install()  # expected retries (a recording not stored yet...) log one WARNING line
    with observation.metrics_server(settings.worker_metrics_host, settings.worker_metrics_port):
        return await _run_parts(settings, stop)


async def _run_parts(settings: ApiSettings, stop: asyncio.Event) -> int:
    dsn = asyncpg_dsn(settings.database_url.get_secret_value())
    async with open_resources(settings) as resources:
        queue = make_queue(settings)
        await queue.connect()
        worker = _make_worker(queue, resources)
        trace = RequestTrace()  # which request wrote each event, for the relay's log
        relay = Relay(
            dsn,
            resources.publisher,
            batch_events=settings.relay_batch_events,
            poll_seconds=settings.relay_poll_seconds,
            max_backoff_seconds=settings.relay_max_backoff_seconds,
            mark_delay_seconds=settings.relay_mark_seconds,
            trace=trace,
        )
        sequencer = Sequencer(
            resources.engine,
            redis=resources.redis,
            on_sequenced=relay.sequenced,  # this process's relay hears at once
            on_pass_started=relay.pass_started,
            trace=trace,
            poll_seconds=settings.sequencer_poll_seconds,
        )
        sampled = observation.sample_backlog(
            resources, queue, settings.worker_metrics_sample_seconds
        )
        services = [
            asyncio.create_task(sequencer.run(), name="sequencer"),
            asyncio.create_task(relay.run(), name="relay"),
            asyncio.create_task(sampled, name="backlog-metrics"),
            asyncio.create_task(sample_pool(resources.engine), name="pool-metrics"),
        ]
        if settings.worker_heartbeat_file:
            beat = _heartbeat(Path(settings.worker_heartbeat_file), HEARTBEAT_SECONDS)
            services.append(asyncio.create_task(beat, name="heartbeat"))
        jobs = asyncio.create_task(worker.start(), name="jobs")
        freeze_startup_heap()  # out of the cyclic GC's full collections (100 ms each)
        log.info("worker ready (queue %s)", settings.worker_queue)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([stopped, jobs, *services], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        failed = [t.get_name() for t in (jobs, *services) if t.done()]
        if failed:
            log.error("worker part(s) ended unexpectedly: %s", ", ".join(failed))
        log.info("worker stopping")
        for task in services:
            task.cancel()
        await _stop_jobs(worker)
        for task in [*services, jobs]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        try:
            await queue.disconnect()
        except (RedisError, OSError) as exc:
            # Stopping with everything else (Ctrl-C on the whole stack): Redis may be gone
            # first. Nothing is lost by not saying goodbye to it.
            log.warning("queue disconnect failed while stopping: %s", exc)
    log.info("worker stopped")
    return 1 if failed else 0
