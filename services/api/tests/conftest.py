# ruff: noqa: F811 - the fixtures imported from fixtures.settings are requested by name
"""Fixtures of the API's tests, on the real stack ``make test`` starts (PostgreSQL, Redis,
S3, the PBX simulator). Helpers they build on are in the ``fixtures`` package.

Every fixture is module-scoped: a module shares one API server (``create_app``) and one set
of users. They follow ``settings`` (``fixtures.settings``), which a module may override.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory, running_api, user_factory
from fixtures.lifecycle import Actor, actor
from fixtures.settings import api_settings, settings  # noqa: F401 - registered as fixtures


@pytest.fixture(scope="module")
async def resources(api_settings: ApiSettings) -> AsyncIterator[Resources]:
    """The API's connections (database, Redis, S3) as the module's settings open them, for
    tests that run services or jobs directly."""
    async with open_resources(api_settings) as opened:
        yield opened


@pytest.fixture(scope="module")
async def api_url(api_settings: ApiSettings) -> AsyncIterator[str]:
    """Base URL of an in-process API (``create_app``) on a free port."""
    async with running_api(api_settings) as url:
        yield url


@pytest.fixture(scope="module")
async def engine(settings: ApiSettings) -> AsyncIterator[AsyncEngine]:
    """A small engine on the suite's database, for reading and arranging rows directly."""
    engine = create_async_engine(settings.database_url.get_secret_value(), pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def employees(api_settings: ApiSettings) -> AsyncIterator[UserFactory]:
    """Inserts test users; deletes them at the end of the module."""
    async with user_factory(api_settings) as factory:
        yield factory


@pytest.fixture(scope="module")
async def admin(api_url: str, employees: UserFactory) -> AsyncIterator[Actor]:
    """An admin with a token client."""
    async with actor(api_url, employees, "admin") as a:
        yield a


@pytest.fixture(scope="module")
async def supervisor(api_url: str, employees: UserFactory) -> AsyncIterator[Actor]:
    """A supervisor with a token client."""
    async with actor(api_url, employees, "supervisor") as a:
        yield a


@pytest.fixture(scope="module")
async def agent(api_url: str, employees: UserFactory) -> AsyncIterator[Actor]:
    """An agent with a token client."""
    async with actor(api_url, employees, "agent") as a:
        yield a
