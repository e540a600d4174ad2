"""Cross-service tests run against the stack ``make test`` starts (see infra/local)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from switchboard_api.settings import ApiSettings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.settings import load_settings

from fixtures.auth import UserFactory, user_factory
from fixtures.settings import api_settings, settings  # noqa: F401 - registered as fixtures
from realtime_support.jsclient import JsClient


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
