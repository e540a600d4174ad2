"""The unit of work's after-commit callbacks: which ones the answer waits for."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.platform.db import UnitOfWork


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(cast(AsyncSession, object()))  # the callbacks never touch the session


async def test_held_callbacks_run_in_order_before_the_answer_and_survive_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uow, ran = unit_of_work(), []

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
    uow, ran = unit_of_work(), []
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
