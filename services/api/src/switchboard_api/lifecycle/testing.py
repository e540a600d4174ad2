"""Test support for the lifecycle: an API on a real socket, clients acting as each role
through real API tokens, and sample payloads for every entity type.

Test modules import the fixtures they use from here (pytest registers imported fixtures).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from switchboard_api.auth.testing import (
    Employee,
    UserFactory,
    api_token,
    client,
    running_api,
    user_factory,
)
from switchboard_api.settings import ApiSettings, get_settings


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in employee and an HTTP client that sends their API token."""

    user: Employee
    http: httpx.AsyncClient


@contextlib.asynccontextmanager
async def actor(base_url: str, users: UserFactory, role: str) -> AsyncIterator[Actor]:
    """A new user of ``role`` with a Bearer-token client (no cookies, so no CSRF)."""
    user = await users.create(role)
    async with client(base_url) as login:
        token = await api_token(login, user)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        yield Actor(user, http)


@pytest.fixture(scope="module")
def api_settings() -> ApiSettings:
    """The settings the suite runs with (from the environment)."""
    return get_settings()


@pytest.fixture(scope="module")
async def api_url(api_settings: ApiSettings) -> AsyncIterator[str]:
    """Base URL of an in-process API on a free port."""
    async with running_api(api_settings) as url:
        yield url


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


def unique(prefix: str) -> str:
    """A searchable, collision-free word."""
    return f"{prefix}{secrets.token_hex(5)}"


@dataclass(frozen=True, slots=True)
class Sample:
    """How to exercise one entity type: a create body (containing ``word`` somewhere
    searchable), a change that keeps it findable, and a list filter the record matches."""

    create: Callable[[str], dict[str, Any]]
    change: Callable[[str], dict[str, Any]]
    list_filter: dict[str, str]


def digits_of(word: str, count: int) -> str:
    """``count`` digits derived from a unique word (for unique, valid phone numbers)."""
    return str(int(word.encode().hex(), 16))[-count:].rjust(count, "0")


SAMPLES: dict[str, Sample] = {
    "users": Sample(
        create=lambda w: {
            "email": f"{w}@example.test",
            "full_name": f"User {w}",
            "role": "agent",
            "password": "a long test password",
        },
        change=lambda _w: {"full_name": "Renamed User", "extension": "4711"},
        list_filter={"role": "agent"},
    ),
    "contacts": Sample(
        create=lambda w: {
            "name": f"Contact {w}",
            "company": "ACME",
            "emails": [f"{w}@Example.com"],
            "phones": [{"type": "work", "number": "8 (495) 123-45-67"}],
            "tags": ["vip"],
            "attributes": {"source": "test"},
        },
        change=lambda _w: {"job_title": "CTO", "tags": ["vip", "partner"]},
        list_filter={"tag": "vip"},
    ),
    "deals": Sample(
        create=lambda w: {"title": f"Deal {w}", "amount": "1500.5", "currency": "EUR"},
        change=lambda _w: {"stage": "qualified", "amount": "2000"},
        list_filter={"stage": "new"},
    ),
    "tasks": Sample(
        create=lambda w: {
            "title": f"Call back {w}",
            "priority": "high",
            "related_type": "contacts",
            "related_id": str(uuid.uuid4()),
        },
        change=lambda _w: {"status": "done"},
        list_filter={"priority": "high"},
    ),
    "notes": Sample(
        create=lambda w: {"body": f"Talked to {w} about the renewal"},
        change=lambda _w: {
            "related_type": "deals",
            "related_id": "00000000-0000-4000-8000-000000000001",
        },
        list_filter={},
    ),
    "number_lists": Sample(
        create=lambda w: {"name": f"Blocked {w}", "kind": "blacklist"},
        change=lambda _w: {"description": "Spam callers"},
        list_filter={"kind": "blacklist"},
    ),
    "calls": Sample(
        create=lambda w: {
            "direction": "inbound",
            "status": "missed",
            "from_number": f"8 912 {digits_of(w, 7)}",
            "summary": f"Asked about {w}",
        },
        change=lambda w: {"summary": f"Called back about {w}"},
        list_filter={"direction": "inbound", "status": "missed"},
    ),
    "phone_lines": Sample(
        create=lambda w: {"number": f"+7495{digits_of(w, 7)}", "name": f"Line {w}"},
        change=lambda _w: {"comment": "Main line"},
        list_filter={},
    ),
}
"""One sample per registered entity type (a test checks none is missing)."""
