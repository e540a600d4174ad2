"""The worker process: SAQ jobs on Redis (the trash purge), cron scheduling, clean stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from saq import Queue, Status
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard_api.platform.job_queue import JobQueue
from switchboard_api.platform.redis_link import connect
from switchboard_api.settings import get_settings
from switchboard_api.worker.main import WorkerQueue

from fixtures.scratch_db import create_scratch_database, drop_scratch_database


@pytest.fixture(scope="module")
async def db_url() -> AsyncIterator[str]:
    base = get_settings().database_url.get_secret_value()
    url = await create_scratch_database(base)
    yield url
    await drop_scratch_database(base, url)


@pytest.fixture
def queue_name() -> str:
    return f"worker-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def queue(queue_name: str) -> AsyncIterator[Queue]:
    # The API's own client and queue: one Redis or a cluster, as the stack runs.
    queue = JobQueue(connect(get_settings().redis_url.get_secret_value()), queue_name)
    await queue.connect()
    yield queue
    await queue.disconnect()


class Worker:
    """``python -m switchboard_api worker`` as a subprocess."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: str) -> None:
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while "worker ready" not in self.log():
            assert self.process.returncode is None, self.log()
            assert time.monotonic() < deadline, self.log()
            await asyncio.sleep(0.05)


@pytest.fixture
async def start_worker(db_url: str, queue_name: str) -> AsyncIterator[object]:
    started: list[Worker] = []

    async def start(**settings: str) -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("API_")}
        env |= {
            "API_DATABASE_URL": db_url,
            "API_REDIS_URL": get_settings().redis_url.get_secret_value(),
            "API_WORKER_QUEUE": queue_name,
            "API_REALTIME_API_URL": "http://127.0.0.1:9",  # nobody: the relay just retries
        }
        env |= {f"API_{k.upper()}": v for k, v in settings.items()}
        log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchboard_api", "worker", env=env, stdout=log, stderr=log
        )
        worker = Worker(process, log.name)
        started.append(worker)
        await worker.wait_ready()
        return worker

    yield start
    for worker in started:
        if worker.process.returncode is None:
            worker.process.kill()
            await worker.process.wait()


async def _contact(db_url: str, *, trashed_days_ago: int | None) -> uuid.UUID:
    engine = create_async_engine(db_url)
    contact_id = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO contacts (id, name, deleted_at) VALUES "
                    "(:id, :name, now() - make_interval(days => :days))"
                    if trashed_days_ago is not None
                    else "INSERT INTO contacts (id, name) VALUES (:id, :name)"
                ),
                {"id": contact_id, "name": "Purge Test", "days": trashed_days_ago},
            )
    finally:
        await engine.dispose()
    return contact_id


async def _remaining(db_url: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT id FROM contacts WHERE id = ANY(:ids)"), {"ids": ids}
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def test_the_purge_job_runs_in_the_worker_and_on_a_schedule(  # type: ignore[no-untyped-def]
    start_worker, queue: Queue, db_url: str
) -> None:
    expired = await _contact(db_url, trashed_days_ago=45)
    recent = await _contact(db_url, trashed_days_ago=2)
    live = await _contact(db_url, trashed_days_ago=None)
    worker = await start_worker(trash_purge_cron="*/5 * * * *")
    assert await queue.apply("purge_trash", timeout=60) >= 1
    assert await _remaining(db_url, [expired, recent, live]) == {recent, live}
    assert await queue.apply("purge_trash", timeout=60) == 0  # idempotent: nothing left
    assert "trash purge" in worker.log()
    # the cron run is queued for later, with retries and backoff
    deadline = time.monotonic() + 10
    while (job := await queue.job("cron:purge_trash")) is None:
        assert time.monotonic() < deadline, "the cron job was never scheduled"
        await asyncio.sleep(0.1)
    assert job.scheduled > time.time()
    assert job.retries == 5
    assert job.retry_delay > 0
    assert job.retry_backoff


async def test_two_workers_share_the_queue_and_stop_cleanly(start_worker, queue: Queue) -> None:  # type: ignore[no-untyped-def]
    workers = [await start_worker(), await start_worker()]
    results = await asyncio.gather(*(queue.apply("purge_trash", timeout=60) for _ in range(4)))
    assert all(isinstance(r, int) for r in results)
    for worker, sig in zip(workers, (signal.SIGTERM, signal.SIGINT), strict=True):
        started = time.monotonic()
        worker.process.send_signal(sig)
        code = await asyncio.wait_for(worker.process.wait(), 15)
        assert code == 0, worker.log()
        assert time.monotonic() - started < 10, worker.log()
        assert "worker stopped" in worker.log()


async def test_a_starting_worker_does_not_sweep_the_job_it_is_dequeuing(queue_name: str) -> None:
    """A dequeue moves a job to SAQ's active list a moment before the worker marks it
    ACTIVE; SAQ's sweep aborts such a job ("swept"). A worker's queue leaves the sweep
    alone for its first minute, when it dequeues the jobs that waited for it."""
    redis = connect(get_settings().redis_url.get_secret_value())
    starting = WorkerQueue(redis, queue_name)
    try:
        job = await starting.enqueue("purge_trash")
        assert job is not None
        # What a dequeue does first: the job's id moves from the queued to the active list.
        await redis.lmove(starting._queued, starting._active)
        assert await redis.lrange(starting._active, 0, -1) == [job.id.encode()]
        assert await starting.sweep() == []
        untouched = await starting.job(job.key)
        assert untouched is not None
        assert (untouched.status, untouched.error) == (Status.QUEUED, None)
        starting._first_sweep_at = 0.0  # a minute on: SAQ's own rule sweeps it
        assert await starting.sweep(abort=0.2) == [job.id]
        swept = await starting.job(job.key)
        assert swept is not None
        assert swept.error == starting.swept_error_message
    finally:
        keys = [key async for key in redis.scan_iter(f"saq:*{queue_name}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
