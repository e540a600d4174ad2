"""Cross-service tests run against the stack ``make test`` starts (see infra/local)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from switchboard_api.settings import ApiSettings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.redis_urls import is_cluster_url
from switchboard_shared.settings import load_settings

from fixtures.auth import UserFactory, user_factory
from fixtures.settings import api_settings, settings  # noqa: F401 - registered as fixtures
from realtime_support.jsclient import JsClient


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests that need several nodes when the stack runs one of each, and the
    ones that need a Redis Cluster when its Redis is one server: they run in the scaled
    phase of ``make test`` (reported as deselected, not skipped)."""
    unmet = set()
    if int(os.environ.get("SB_SCALE") or "1") < 2:
        unmet.add("multinode")
    if not is_cluster_url(os.environ.get("API_REDIS_URL") or ""):
        unmet.add("cluster")
    kept = [i for i in items if not any(i.get_closest_marker(name) for name in unmet)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def base_url() -> str:
    """The one entry point (nginx) of the test stack."""
    url = os.environ.get("SB_BASE_URL")
    if not url:
        pytest.fail("SB_BASE_URL is not set: run the suite with `make test`")
    return url


@pytest.fixture(scope="module")
def rt_settings() -> RealtimeSettings:
    """The realtime node's settings the stack runs with."""
    return load_settings(RealtimeSettings)


@pytest.fixture(scope="module")
async def users(settings: ApiSettings) -> AsyncIterator[UserFactory]:  # noqa: F811
    """Inserts test users; deletes them at the end of the module."""
    async with user_factory(settings) as factory:
        yield factory


@pytest.fixture
async def clients() -> AsyncIterator[list[JsClient]]:
    """pusher-js harness processes started by a test; all closed after it."""
    started: list[JsClient] = []
    yield started
    for client in started:
        await client.close()
