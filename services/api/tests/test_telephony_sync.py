"""PBX synchronization while the provider is down: jobs fail, are retried with backoff by a
real SAQ worker, and the PBX converges once the provider is back. Nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from saq import Queue, Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.platform.job_queue import enqueue
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.settings import ApiSettings, get_settings
from switchboard_api.telephony.pbx_sync import sync_lists, sync_member
from switchboard_api.telephony.provider_interface import ProviderUnavailable
from switchboard_api.telephony.provider_registry import make_provider, provider_http
from switchboard_api.telephony.worker_jobs import JOB_FUNCTIONS
from switchboard_api.worker.context import WorkerContext

from fixtures.auth import UserFactory, user_factory
from fixtures.scratch_db import create_scratch_database, drop_scratch_database
from fixtures.telephony import (
    Simulator,
    eventually,
    pbxsim_url,
    random_extension,
    random_mobile,
    simulator,
)


@dataclass
class FlakyPbx:
    """A proxy in front of the simulator's VPBX API that can be switched off (503)."""

    url: str
    up: bool = False
    refused: int = 0


@contextlib.asynccontextmanager
async def flaky_pbx() -> AsyncIterator[FlakyPbx]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    state = FlakyPbx(url=f"http://127.0.0.1:{sock.getsockname()[1]}/vpbx")
    upstream = pbxsim_url()

    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            if not state.up:
                state.refused += 1
                return web.Response(status=503, text="down for maintenance")
            async with session.post(
                upstream + request.path,
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
                allow_redirects=False,
            ) as answer:
                return web.Response(
                    status=answer.status,
                    body=await answer.read(),
                    content_type=answer.content_type,
                )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            yield state
        finally:
            await runner.cleanup()


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[Simulator]:
    async with simulator() as s:
        yield s


@pytest.fixture(scope="module")
async def users() -> AsyncIterator[UserFactory]:
    async with user_factory(get_settings()) as factory:
        yield factory


@contextlib.asynccontextmanager
async def worker(settings: ApiSettings) -> AsyncIterator[Resources]:
    """A real SAQ worker with the telephony jobs, on a queue of its own."""
    async with open_resources(settings) as resources:
        queue = Queue.from_url(settings.redis_url.get_secret_value(), name=settings.worker_queue)
        await queue.connect()
        w: Worker[WorkerContext] = Worker(queue, functions=list(JOB_FUNCTIONS), concurrency=4)
        w.SIGNALS = []
        w.context["resources"] = resources
        task = asyncio.create_task(w.start())
        try:
            yield resources
        finally:
            await w.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await queue.disconnect()


async def test_sync_with_the_provider_unreachable_raises_and_changes_nothing(
    users: UserFactory, engine: AsyncEngine
) -> None:
    settings = get_settings().model_copy(update={"mango_base_url": "http://127.0.0.1:9/vpbx"})
    employee = await users.create("agent", extension=random_extension())
    async with open_resources(settings) as resources, provider_http(settings) as http:
        with pytest.raises(ProviderUnavailable):
            await sync_member(resources, make_provider(settings, http), employee.id)
    async with engine.connect() as conn:
        linked = await conn.execute(
            text("SELECT count(*) FROM pbx_members WHERE user_id = :id"), {"id": employee.id}
        )
        assert linked.scalar_one() == 0


async def test_member_sync_is_retried_through_an_outage_and_converges(
    users: UserFactory, sim: Simulator, engine: AsyncEngine
) -> None:
    extension = random_extension()
    employee = await users.create("agent", extension=extension)
    async with flaky_pbx() as pbx:
        settings = get_settings().model_copy(
            update={"mango_base_url": pbx.url, "worker_queue": f"tel-sync-{secrets.token_hex(4)}"}
        )
        async with worker(settings) as resources:
            await enqueue(
                resources.redis,
                settings,
                "telephony_sync_member",
                key=f"pbx-member:{employee.id}",
                retries=20,
                retry_delay=0.3,
                user_id=str(employee.id),
            )
            await eventually(lambda: _at_least(pbx, 3), what="three refused attempts")
            assert await sim.member(extension) is None
            pbx.up = True
            member = await eventually(lambda: sim.member(extension), what="the member")
            assert member["general"]["name"] == "Test Agent"
    async with engine.connect() as conn:
        link = (
            await conn.execute(
                text("SELECT extension, provider_user_id FROM pbx_members WHERE user_id = :id"),
                {"id": employee.id},
            )
        ).one()
    assert link.extension == extension
    assert link.provider_user_id == member["general"]["user_id"]
    async with engine.begin() as conn:  # tidy the PBX: the user goes, so does the member
        await conn.execute(text("UPDATE users SET deleted_at = now() WHERE id = :id"),
                           {"id": employee.id})  # fmt: skip
    settings = get_settings()
    async with open_resources(settings) as resources, provider_http(settings) as http:
        assert await sync_member(resources, make_provider(settings, http), employee.id) == (
            "removed"
        )
    assert await sim.member(extension) is None


async def _at_least(pbx: FlakyPbx, count: int) -> bool:
    return pbx.refused >= count


async def test_lists_are_imported_from_the_pbx_once_then_mirrored() -> None:
    """On a database that never had a blacklist, the PBX's black list is imported; after
    that, our lists are the truth and the PBX follows them (even when emptied)."""
    base = get_settings()
    url = await create_scratch_database(base.database_url.get_secret_value())
    try:
        settings = base.model_copy(update={"database_url": SecretStr(url)})
        digits = random_mobile()
        async with open_resources(settings) as resources, provider_http(settings) as http:
            provider = make_provider(settings, http)
            await provider.add_list_number("black", digits, "spam")
            stats = await sync_lists(resources, provider)
            assert stats["imported"] >= 1
            async with resources.sessionmaker() as session:
                rows = (
                    await session.execute(
                        text(
                            "SELECT l.id, l.name, e.number FROM number_lists l "
                            "JOIN number_list_entries e ON e.list_id = l.id WHERE l.kind = 'blacklist'"
                        )
                    )
                ).all()
            assert f"+{digits}" in {r.number for r in rows}
            assert {r.name for r in rows} == {"PBX blacklist"}
            # trash the imported list: the PBX list is emptied of our numbers, not re-imported
            async with resources.sessionmaker() as session, session.begin():
                await session.execute(
                    text("UPDATE number_lists SET deleted_at = now() WHERE id = :id"),
                    {"id": rows[0].id},
                )
            again = await sync_lists(resources, provider)
            assert again["imported"] == 0
            left = await provider.list_numbers()
            assert left is not None
            assert digits not in {n.number for n in left}
    finally:
        await drop_scratch_database(base.database_url.get_secret_value(), url)
