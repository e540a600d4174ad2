"""Test support for anything that needs signed-in employees: an in-process API server on a
real socket, users of each role inserted into the real database, and signed-in clients.

Used by the auth tests and the route sweep; other domains' tests may use it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
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


@contextlib.contextmanager
def api_process(
    *uvicorn_args: str, capture_output: bool = False
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The API in a process of its own (uvicorn, one worker, settings from this process's
    environment) on a free port; yields its base URL and the process, stopped on exit.

    With ``capture_output`` its stdout and stderr are one pipe, readable after exit.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "switchboard_api.app:create_app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), *uvicorn_args]
    output = subprocess.PIPE if capture_output else None
    proc = subprocess.Popen(
        argv, env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the API process exited at start")
            try:
                if httpx.get(base + "/api/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API process did not start within 30 s")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


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


@dataclass(frozen=True, slots=True)
class FloodFigures:
    """Read latencies (seconds) without and with a login flood, and what the flood got."""

    quiet: list[float]
    flooded: list[float]
    login_statuses: dict[int, int]

    @staticmethod
    def p99(latencies: list[float]) -> float:
        """The 99th percentile."""
        return statistics.quantiles(latencies, n=100)[98]


async def _timed_reads(http: httpx.AsyncClient, path: str, count: int) -> list[float]:
    took = []
    for _ in range(count):
        started = time.perf_counter()
        response = await http.get(path)
        took.append(time.perf_counter() - started)
        response.raise_for_status()
    return took


async def _login_flood(base_url: str, per_second: float, stop: asyncio.Event) -> dict[int, int]:
    async def attempt(http: httpx.AsyncClient) -> int:
        # Every attempt from its own address at an unknown account: no limit stops it
        # before the password hash is checked, so each one costs a full verification.
        ghost = {"email": f"flood-{secrets.token_hex(6)}@example.test", "password": "guess"}
        response = await http.post(
            "/api/v1/auth/login", json=ghost, headers={"x-forwarded-for": random_address()}
        )
        return response.status_code

    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        attempts = []
        while not stop.is_set():
            attempts.append(asyncio.create_task(attempt(http)))
            await asyncio.sleep(1 / per_second)
        statuses = await asyncio.gather(*attempts)
    return dict(Counter(statuses))


async def reads_under_login_flood(
    base_url: str,
    read_path: str,
    headers: dict[str, str],
    *,
    reads: int = 200,
    logins_per_second: float = 50,
) -> FloodFigures:
    """Time ``reads`` sequential GETs of ``read_path``, then as many again while logins
    arrive at ``logins_per_second`` from rotating addresses (same run, same server)."""
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
        await _timed_reads(http, read_path, 20)  # warm: connection, caches
        quiet = await _timed_reads(http, read_path, reads)
        stop = asyncio.Event()
        flood = asyncio.create_task(_login_flood(base_url, logins_per_second, stop))
        await asyncio.sleep(1.0)  # let the flood reach its rate
        flooded = await _timed_reads(http, read_path, reads)
        stop.set()
        statuses = await flood
    return FloodFigures(quiet, flooded, statuses)
