"""The unit of work: after-commit callbacks (which ones the answer waits for), and jobs and
realtime messages that leave only once the transaction commits."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from typing import cast

import pytest
from aiohttp import web
from saq.queue.redis import RedisQueue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.platform.job_queue import queue_of
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.platform.unit_of_work import UnitOfWork, unit_of_work
from switchboard_api.settings import get_settings


def detached_unit_of_work() -> UnitOfWork:
    # The callbacks never touch the session nor the resources.
    return UnitOfWork(cast(AsyncSession, object()), cast(Resources, object()))


async def test_held_callbacks_run_in_order_before_the_answer_and_survive_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uow, ran = detached_unit_of_work(), []

    async def first() -> None:
        ran.append("first")
        raise RuntimeError("boom")

    async def second() -> None:
        await asyncio.sleep(0.01)
        ran.append("second")

    uow.after_commit(first)
    uow.after_commit(second)
    await uow.run_after_commit()

    assert ran == ["first", "second"]
    assert "after-commit callback failed" in caplog.text


async def test_a_callback_that_does_not_hold_the_answer_runs_after_it() -> None:
    uow, ran = detached_unit_of_work(), []
    release = asyncio.Event()

    async def repair() -> None:
        await release.wait()
        ran.append("repair")

    async def held() -> None:
        ran.append("held")

    uow.after_commit(repair, hold_response=False)
    uow.after_commit(held)
    await asyncio.wait_for(uow.run_after_commit(), timeout=1)  # does not wait for repair
    assert ran == ["held"]

    release.set()
    for _ in range(100):
        if ran[-1] == "repair":
            break
        await asyncio.sleep(0.01)
    assert ran == ["held", "repair"]
    await uow.run_after_commit()  # nothing queued twice
    assert ran == ["held", "repair"]


class Published:
    """A stand-in realtime publish API on a free port: the bodies it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []

    async def batch(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        return web.json_response({})


@pytest.fixture
async def realtime() -> AsyncIterator[tuple[str, Published]]:
    published = Published()
    app = web.Application()
    app.router.add_post("/apps/{app_id}/batch_events", published.batch)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", published
    await runner.cleanup()


@pytest.fixture
async def resources(realtime: tuple[str, Published]) -> AsyncIterator[Resources]:
    settings = get_settings().model_copy(
        update={"realtime_api_url": realtime[0], "worker_queue": f"uow-{secrets.token_hex(4)}"}
    )
    async with open_resources(settings) as opened:
        yield opened


def _queue(resources: Resources) -> RedisQueue:
    return queue_of(resources.redis, resources.settings)


async def test_a_job_is_enqueued_only_once_the_transaction_commits(resources: Resources) -> None:
    queue = _queue(resources)
    async with unit_of_work(resources) as uow:
        await uow.session.execute(text("SELECT 1"))
        uow.enqueue("nothing", key="committed")
        assert await queue.job("committed") is None  # not before the commit
    assert await queue.job("committed") is not None


async def test_a_rolled_back_transaction_sends_neither_its_jobs_nor_its_messages(
    resources: Resources, realtime: tuple[str, Published]
) -> None:

    async def refused_transaction() -> None:
        async with unit_of_work(resources) as uow:
            uow.enqueue("nothing", key="rolled-back")
            uow.publish("private-user.x", "call.incoming", '{"n": 1}')
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await refused_transaction()
    assert await _queue(resources).job("rolled-back") is None
    assert realtime[1].bodies == []


async def test_a_message_is_published_once_the_transaction_commits(
    resources: Resources, realtime: tuple[str, Published]
) -> None:
    published = realtime[1]
    async with unit_of_work(resources) as uow:
        uow.publish("private-user.x", "call.incoming", '{"n": 1}')
        assert published.bodies == []  # not before the commit
    assert published.bodies == [
        {"batch": [{"name": "call.incoming", "channel": "private-user.x", "data": '{"n": 1}'}]}
    ]
