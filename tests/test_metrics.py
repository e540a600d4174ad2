"""Prometheus metrics of the API, the worker and the realtime node, scraped from the test
stack: every series the dashboards and alerts use is there and moves after a request, a job
and a publish; none of it is reachable through the public nginx."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from saq.queue.redis import RedisQueue

from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory, client
from fixtures.lifecycle import Actor, actor, unique

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

API_SERIES = (
    "switchboard_http_requests_total",
    "switchboard_http_request_duration_seconds_bucket",
    "switchboard_db_pool_in_use",
    "switchboard_db_pool_waiting",
    "switchboard_cache_lookups_total",
    "switchboard_login_failures_total",
)
WORKER_SERIES = (
    "switchboard_job_queue_depth",
    "switchboard_outbox_unsequenced_events",
    "switchboard_outbox_unpublished_events",
    "switchboard_relay_lag_events",
    "switchboard_relay_lag_seconds",
    "switchboard_relay_published_events_total",
    "switchboard_db_pool_in_use",
)
CONTACT_ROUTE = "/api/v1/contacts/{record_id}"


def worker_metrics_url() -> str:
    return f"http://127.0.0.1:{os.environ['API_WORKER_METRICS_PORT']}/metrics"


async def scrape(url: str) -> Samples:
    """Every sample of a /metrics answer, by name and labels."""
    async with httpx.AsyncClient(timeout=10) as http:
        resp = await http.get(url)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 if none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "metric did not move in time"
        await asyncio.sleep(0.3)


@pytest.fixture
async def writer(base_url: str, users: UserFactory) -> AsyncIterator[Actor]:
    async with actor(base_url, users, "admin") as signed_in:
        yield signed_in


async def test_api_metrics_count_requests_by_route_template(writer: Actor) -> None:
    api_metrics = os.environ["SB_API_URL"] + "/metrics"
    created = await writer.http.post("/api/v1/contacts", json={"name": unique("metrics")})
    assert created.status_code == 201
    path = created.headers["location"]
    before = await scrape(api_metrics)
    assert set(API_SERIES) <= names(before)
    for _ in range(3):  # the first may fill the cache, the others hit it
        assert (await writer.http.get(path)).status_code == 200
    after = await scrape(api_metrics)
    labels = {"route": CONTACT_ROUTE, "method": "GET", "status": "200"}
    assert value(after, "switchboard_http_requests_total", **labels) >= (
        value(before, "switchboard_http_requests_total", **labels) + 3
    )
    count = "switchboard_http_request_duration_seconds_count"
    assert value(after, count, route=CONTACT_ROUTE) >= value(before, count, route=CONTACT_ROUTE) + 3
    lookups = "switchboard_cache_lookups_total"
    assert value(after, lookups) >= value(before, lookups) + 3
    assert value(after, lookups, result="hit") > value(before, lookups, result="hit")
    # Both uvicorn workers' samples are added up: the pool gauge is one series, not one per pid.
    assert [k for k in after if k[0] == "switchboard_db_pool_in_use"] == [
        ("switchboard_db_pool_in_use", frozenset())
    ]


async def test_a_failed_login_and_an_unknown_route_are_counted(base_url: str) -> None:
    api_metrics = os.environ["SB_API_URL"] + "/metrics"
    before = await scrape(api_metrics)
    async with client(base_url) as http:
        refused = await http.post(
            "/api/v1/auth/login", json={"email": "nobody@example.test", "password": "wrong-one"}
        )
        missing = await http.get("/api/v1/no-such-thing")
    assert refused.status_code == 401
    assert missing.status_code == 404
    after = await scrape(api_metrics)
    failures = "switchboard_login_failures_total"
    assert value(after, failures) == value(before, failures) + 1
    unmatched = {"route": "unmatched", "status": "404"}
    assert value(after, "switchboard_http_requests_total", **unmatched) > value(
        before, "switchboard_http_requests_total", **unmatched
    )


async def test_worker_metrics_move_after_a_publish_and_a_job(
    writer: Actor, settings: ApiSettings
) -> None:
    realtime_metrics = os.environ["SB_REALTIME_URL"] + "/metrics"
    before = await scrape(worker_metrics_url())
    realtime_before = await scrape(realtime_metrics)
    created = await writer.http.post("/api/v1/contacts", json={"name": unique("relay")})
    assert created.status_code == 201
    published = "switchboard_relay_published_events_total"

    async def relayed() -> bool:
        return value(await scrape(worker_metrics_url()), published) > value(before, published)

    await eventually(relayed)
    fanned_out = "realtime_events_published_total"
    assert value(await scrape(realtime_metrics), fanned_out) > value(realtime_before, fanned_out)

    queue = RedisQueue.from_url(settings.redis_url.get_secret_value(), name=settings.worker_queue)
    await queue.connect()
    try:
        await queue.enqueue("purge_trash", key=unique("metrics-purge"))
    finally:
        await queue.disconnect()
    runs = "switchboard_job_duration_seconds_count"

    async def ran() -> bool:
        samples = await scrape(worker_metrics_url())
        return value(samples, runs, job="purge_trash") > value(before, runs, job="purge_trash")

    await eventually(ran)

    async def sampled() -> bool:  # the backlog gauges appear at the sampler's first pass
        return set(WORKER_SERIES) <= names(await scrape(worker_metrics_url()))

    await eventually(sampled)


async def test_metrics_are_not_served_through_the_public_nginx(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        for path in ("/metrics", "/api/metrics", "/api/../metrics"):
            resp = await http.get(path)
            assert "switchboard_http_requests_total" not in resp.text, path
            assert not re.search(r"^# TYPE ", resp.text, re.MULTILINE), path
