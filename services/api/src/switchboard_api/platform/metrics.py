"""Prometheus metrics of the API and the worker (``prometheus_client``).

The series live in the process's default registry. The API runs several uvicorn worker
processes, so ``python -m switchboard_api serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh directory before they start: every process writes its samples there and a scrape of
``/metrics`` (answered by whichever process gets it) adds them all up. The worker is one
process and serves its own registry on its metrics port. Neither is reachable through the
public nginx: Prometheus scrapes the processes' own ports on the internal network.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Request latency buckets (seconds): a cached GET is ~5 ms, a PATCH ~100 ms under load.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Job durations: from a relay-sized moment to a long recording download.
_JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 600.0)

# ---- the API -------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "switchboard_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "switchboard_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=_HTTP_BUCKETS,
)
DB_POOL_IN_USE = Gauge(
    "switchboard_db_pool_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "switchboard_db_pool_waiting",
    "Requests waiting for a database connection (the pool and its overflow are all in use).",
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "switchboard_cache_lookups",
    "Record cache lookups, by result (hit or miss; a tombstone counts as a miss).",
    ["result"],
)
LOGIN_FAILURES = Counter(
    "switchboard_login_failures", "Sign-ins refused for a wrong email or password."
)
RATE_LIMIT_REFUSALS = Counter(
    "switchboard_rate_limit_refusals",
    "Requests refused by a rate limit, by limit (login, dial).",
    ["limit"],
)

# ---- the worker ----------------------------------------------------------------------
JOB_QUEUE_DEPTH = Gauge(
    "switchboard_job_queue_depth", "Jobs queued and not yet started.", multiprocess_mode="max"
)
JOB_DURATION = Histogram(
    "switchboard_job_duration_seconds",
    "How long a job ran, by job, whatever its outcome.",
    ["job"],
    buckets=_JOB_BUCKETS,
)
JOBS_FINISHED = Counter(
    "switchboard_jobs_finished",
    "Jobs that ran, by job and outcome (complete, failed).",
    ["job", "outcome"],
)
JOB_FAILURES = Counter(
    "switchboard_job_failures", "Job runs that raised (each retry counts), by job.", ["job"]
)
OUTBOX_UNSEQUENCED = Gauge(
    "switchboard_outbox_unsequenced_events",
    "Committed change events the sequencer has not given an offset yet.",
    multiprocess_mode="max",
)
OUTBOX_UNPUBLISHED = Gauge(
    "switchboard_outbox_unpublished_events",
    "Sequenced change events the relay has not published yet.",
    multiprocess_mode="max",
)
RELAY_LAG_EVENTS = Gauge(
    "switchboard_relay_lag_events",
    "Change events committed but not yet published to the realtime service.",
    multiprocess_mode="max",
)
RELAY_LAG_SECONDS = Gauge(
    "switchboard_relay_lag_seconds",
    "Age of the oldest change event not yet published (0 when none waits).",
    multiprocess_mode="max",
)
RELAY_PUBLISHED = Counter(
    "switchboard_relay_published_events", "Change events the relay published to realtime."
)
RECORDING_INGESTS = Counter(
    "switchboard_recording_ingests",
    "Recording ingest attempts, by result (stored, duplicate, retry, failed).",
    ["result"],
)

# Known label values start at 0, so a dashboard or alert sees the series before the first
# event (a rate over a series that appears with its first sample misses that sample).
for _result in ("hit", "miss"):
    CACHE_LOOKUPS.labels(_result)
for _limit in ("login", "dial", "hashing"):
    RATE_LIMIT_REFUSALS.labels(_limit)
for _result in ("stored", "duplicate", "retry", "failed"):
    RECORDING_INGESTS.labels(_result)


def multiprocess_dir() -> Path | None:
    """The directory the processes of this API share their samples in (None: one process)."""
    raw = os.environ.get(MULTIPROC_ENV)
    return Path(raw) if raw else None


def prepare_multiprocess_dir(directory: Path) -> None:
    """Empty (or create) the shared directory before any API process starts: samples a
    previous run left there would otherwise be added to this run's."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


_PID_OF_FILE = re.compile(r"_(\d+)\.db$")


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of API processes that are gone (uvicorn replaces a worker that
    died; its in-use connections would otherwise count forever). Their counters stay: what
    they counted happened."""
    for path in directory.glob("gauge_live*.db"):
        found = _PID_OF_FILE.search(path.name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        except PermissionError:
            continue  # alive, someone else's


def render() -> bytes:
    """The exposition of every series: of all API processes in multiprocess mode."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    with contextlib.suppress(OSError):
        forget_dead_processes(directory)
    return generate_latest(registry)


POOL_SAMPLE_SECONDS = 1.0


def pool_usage(pool: Pool) -> tuple[int, int]:
    """(connections checked out, checkouts waiting) of a SQLAlchemy pool."""
    in_use = pool.checkedout() if isinstance(pool, QueuePool) else 0
    # SQLAlchemy counts no waiters; the async pool's queue is an asyncio.Queue whose
    # pending getters are exactly the checkouts waiting for a connection.
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    getters = getattr(queue, "_getters", ())
    return in_use, sum(1 for waiter in getters if not waiter.done())


async def sample_pool(engine: AsyncEngine, every_seconds: float = POOL_SAMPLE_SECONDS) -> None:
    """Keep the pool gauges current until cancelled (this process's share of the sums)."""
    while True:
        in_use, waiting = pool_usage(engine.sync_engine.pool)
        DB_POOL_IN_USE.set(in_use)
        DB_POOL_WAITING.set(waiting)
        await asyncio.sleep(every_seconds)
