"""Test support for anything that needs signed-in employees: an in-process API server on a
real socket, users of each role inserted into the real database, and signed-in clients.

Used by the auth tests and the route sweep; other domains' tests may use it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn
from litestar import Litestar
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.app import create_app
from switchboard_api.auth.passwords import hash_password
from switchboard_api.db.users import User
from switchboard_api.settings import ApiSettings

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - test users only
_PASSWORD_HASH = hash_password(TEST_PASSWORD)


@contextlib.asynccontextmanager
async def running_api(settings: ApiSettings, app: Litestar | None = None) -> AsyncIterator[str]:
    """Serve ``app`` (default ``create_app(settings)``) with uvicorn on a free local port;
    yields its base URL.

    uvicorn trusts ``X-Forwarded-For`` from 127.0.0.1 (as behind nginx), so tests can give
    each client its own address for the per-address login limit.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app or create_app(settings), lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()  # raise the startup error
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def random_address() -> str:
    """A client address of its own (TEST-NET-ish 10/8), for X-Forwarded-For."""
    return "10." + ".".join(str(random.randint(0, 255)) for _ in range(3))  # noqa: S311


def client(base_url: str, *, address: str | None = None) -> httpx.AsyncClient:
    """An HTTP client with its own cookie jar and client address."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"x-forwarded-for": address or random_address()},
        timeout=30,
    )


@dataclass(frozen=True, slots=True)
class Employee:
    """A user inserted for a test; signs in with :data:`TEST_PASSWORD`."""

    id: uuid.UUID
    email: str
    role: str
    password: str = TEST_PASSWORD


class UserFactory:
    """Inserts users straight into the database (unique emails) and deletes them after."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.created: list[uuid.UUID] = []

    async def create(
        self, role: str = "agent", *, active: bool = True, extension: str | None = None
    ) -> Employee:
        """A new user of ``role``."""
        user_id = uuid.uuid4()
        email = f"test-{secrets.token_hex(6)}@example.test"
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(User).values(
                    id=user_id,
                    email=email,
                    full_name=f"Test {role.title()}",
                    role=role,
                    extension=extension,
                    is_active=active,
                    password_hash=_PASSWORD_HASH,
                )
            )
        self.created.append(user_id)
        return Employee(user_id, email, role)

    async def cleanup(self) -> None:
        """Delete every user this factory made (their tokens go with them)."""
        if self.created:
            async with self._engine.begin() as conn:
                await conn.execute(delete(User).where(User.id.in_(self.created)))
            self.created.clear()


@contextlib.asynccontextmanager
async def user_factory(settings: ApiSettings) -> AsyncIterator[UserFactory]:
    """A :class:`UserFactory` on its own engine, cleaned up on exit."""
    engine = create_async_engine(settings.database_url.get_secret_value(), pool_size=2)
    factory = UserFactory(engine)
    try:
        yield factory
    finally:
        await factory.cleanup()
        await engine.dispose()


async def sign_in(http: httpx.AsyncClient, user: Employee) -> str:
    """Log ``http`` in as ``user`` (the cookie stays in its jar); returns the CSRF token."""
    response = await http.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password}
    )
    response.raise_for_status()
    csrf: str = response.json()["csrf_token"]
    return csrf


async def api_token(http: httpx.AsyncClient, user: Employee) -> str:
    """A fresh personal API token for ``user`` (signs ``http`` in first)."""
    csrf = await sign_in(http, user)
    response = await http.post(
        "/api/v1/auth/tokens", json={"name": "test"}, headers={"x-csrf-token": csrf}
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token
