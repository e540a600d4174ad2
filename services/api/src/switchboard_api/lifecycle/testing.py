"""Test support for the lifecycle: clients acting as each role through real API tokens."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from switchboard_api.auth.testing import Employee, UserFactory, api_token, client


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
