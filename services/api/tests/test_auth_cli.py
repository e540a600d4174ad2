"""``create-admin`` and ``seed-demo`` run as real subprocesses against the real database."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.auth.seed import DEMO_ACCOUNTS, DEMO_PASSWORD
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.users import User
from switchboard_api.settings import get_settings

from fixtures.auth import client, running_api

LOGIN = "/api/v1/auth/login"


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "switchboard_api", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
async def base_url() -> AsyncIterator[str]:
    async with running_api(get_settings()) as url:
        yield url


async def test_create_admin_then_sign_in(engine: AsyncEngine, base_url: str) -> None:
    email = f"admin-{secrets.token_hex(4)}@acme-corp.com"
    password = "a long admin password"
    try:
        done = _cli(
            "create-admin",
            "--email",
            email,
            "--full-name",
            "First Admin",
            "--password-stdin",
            stdin=password + "\n",
        )
        assert done.returncode == 0, done.stderr
        again = _cli(
            "create-admin",
            "--email",
            email.upper(),
            "--full-name",
            "Twice",
            "--password-stdin",
            stdin=password + "\n",
        )
        assert again.returncode == 1
        assert "already exists" in again.stderr
        await _assert_created_by_the_system(engine, email)
        async with client(base_url) as http:
            response = await http.post(LOGIN, json={"email": email, "password": password})
            assert response.status_code == 200, response.text
            assert response.json()["role"] == "admin"
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(User).where(User.email == email))


async def _assert_created_by_the_system(engine: AsyncEngine, email: str) -> None:
    """The account went through the one writer: one ``created`` event at version 1 with no
    actor, carrying the fields given and never the password or its hash."""
    async with engine.connect() as conn:
        user_id = (await conn.execute(select(User.id).where(User.email == email))).scalar_one()
        events = (
            await conn.execute(
                select(
                    EntityEvent.action,
                    EntityEvent.version,
                    EntityEvent.actor_id,
                    EntityEvent.changes,
                ).where(EntityEvent.entity_type == "users", EntityEvent.entity_id == user_id)
            )
        ).all()
    assert [(e.action, e.version, e.actor_id) for e in events] == [("created", 1, None)]
    changes = events[0].changes
    assert changes["email"] == {"before": None, "after": email}
    assert changes["role"]["after"] == "admin"
    assert "password" not in repr(changes)


def test_create_admin_refuses_bad_input() -> None:
    short = _cli(
        "create-admin",
        "--email",
        "x@acme-corp.com",
        "--full-name",
        "X",
        "--password-stdin",
        stdin="short\n",
    )
    assert short.returncode == 1
    assert "password" in short.stderr
    bad = _cli(
        "create-admin",
        "--email",
        "not-an-email",
        "--full-name",
        "X",
        "--password-stdin",
        stdin="long enough password\n",
    )
    assert bad.returncode == 1
    assert "email" in bad.stderr


async def test_seed_demo_is_idempotent_and_signs_in(engine: AsyncEngine, base_url: str) -> None:
    for _ in range(2):
        done = _cli("seed-demo")
        assert done.returncode == 0, done.stderr
    emails = [email for email, *_ in DEMO_ACCOUNTS]
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(User.email, User.role, User.extension).where(User.email.in_(emails))
            )
        ).all()
    assert len(rows) == len(DEMO_ACCOUNTS)
    roles = {row.role for row in rows}
    assert roles == {"admin", "supervisor", "agent"}
    assert {row.extension for row in rows} >= {"101", "102", "103"}
    async with client(base_url) as http:
        response = await http.post(
            LOGIN, json={"email": "admin@demo.switchboard", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "admin"
