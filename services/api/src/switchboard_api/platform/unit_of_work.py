"""One transaction, and the work that must only happen after it commits.

Every transaction of the API and the worker is ``async with unit_of_work(resources) as
uow``. Code inside it may queue a job (:meth:`UnitOfWork.enqueue`), a realtime message
(:meth:`UnitOfWork.publish`) or any other effect (:meth:`UnitOfWork.after_commit`): they
run once the transaction has committed and are dropped if it rolls back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.platform.job_queue import enqueue
from switchboard_api.platform.resources import Resources
from switchboard_api.realtime.publisher import BatchEvent, PublishError
from switchboard_shared.logs import REQUEST_ID

log = logging.getLogger("switchboard_api.db")

AfterCommit = Callable[[], Awaitable[None]]
PUBLISH_ATTEMPTS = 2


class UnitOfWork:
    """The transaction's session plus effects run after a successful commit (cache
    invalidation, jobs, realtime messages); dropped on rollback. Services ``flush()``,
    never commit."""

    def __init__(self, session: AsyncSession, resources: Resources) -> None:
        self.session = session
        self.resources = resources
        self._after_commit: list[AfterCommit] = []
        self._after_response: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit, *, hold_response: bool = True) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back).

        With ``hold_response=False`` the answer does not wait for it: for repairs nobody
        reading the answer depends on (it runs in the background right after the commit).
        """
        (self._after_commit if hold_response else self._after_response).append(callback)

    def enqueue(self, function: str, *, key: str, **options: Any) -> None:
        """Enqueue the worker job ``function`` once this commits (see
        :func:`~switchboard_api.platform.job_queue.enqueue` for ``key`` and ``options``)."""
        redis, settings = self.resources.redis, self.resources.settings

        async def send() -> None:
            await enqueue(redis, settings, function, key=key, **options)

        self.after_commit(send)

    def publish(self, channel: str, event: str, data: str) -> None:
        """Send ``event`` (``data``: its JSON text) on ``channel`` once this commits, straight
        to the realtime service. Best effort, for moments rather than changes of records
        (those go through the outbox): logged, never raised, if it cannot be delivered."""
        publisher = self.resources.publisher
        message = BatchEvent(name=event, channel=channel, data=data)
        request_id = REQUEST_ID.get()
        request_ids = [request_id] if request_id else []

        async def send() -> None:
            for attempt in range(PUBLISH_ATTEMPTS):
                try:
                    await publisher.publish_batch([message], request_ids=request_ids)
                    return
                except PublishError as exc:
                    log.warning("%s on %s not delivered (try %d): %s", event, channel, attempt, exc)

        self.after_commit(send)

    async def run_after_commit(self) -> None:
        """Run the queued callbacks; a failing one is logged and does not stop the rest.
        Those that do not hold the response are started in the background."""
        callbacks, self._after_commit = self._after_commit, []
        await _run_each(callbacks)
        if self._after_response:
            task = asyncio.create_task(_run_each(self._after_response))
            self._after_response = []
            _BACKGROUND.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(_BACKGROUND.discard)


_BACKGROUND: set[asyncio.Task[None]] = set()


async def _run_each(callbacks: list[AfterCommit]) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("after-commit callback failed")


@asynccontextmanager
async def unit_of_work(resources: Resources) -> AsyncIterator[UnitOfWork]:
    """A transaction: committed when the block ends, rolled back if it raises; the queued
    effects run after the commit."""
    async with resources.sessionmaker() as session:
        uow = UnitOfWork(session, resources)
        async with session.begin():
            yield uow
        await uow.run_after_commit()


def read_session(sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session for reads outside any transaction of ours (``async with`` it: PostgreSQL's
    implicit transaction ends when it closes; nothing is ever committed through it)."""
    return sessions()


async def provide_uow(resources: NamedDependency[Resources]) -> AsyncGenerator[UnitOfWork, None]:
    """Litestar dependency: a transaction around the handler, committed before the
    response is sent, rolled back if the handler raises."""
    async with unit_of_work(resources) as uow:
        yield uow
