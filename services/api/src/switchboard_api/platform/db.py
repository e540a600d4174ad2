"""One transaction per request, and work that must only happen after it commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.platform.resources import Resources

log = logging.getLogger("switchboard_api.db")

AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    """The request's session plus callbacks run after a successful commit (cache
    invalidation and the like); dropped on rollback. Services ``flush()``, never commit."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._after_commit: list[AfterCommit] = []
        self._after_response: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit, *, hold_response: bool = True) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back).

        With ``hold_response=False`` the answer does not wait for it: for repairs nobody
        reading the answer depends on (it runs in the background right after the commit).
        """
        (self._after_commit if hold_response else self._after_response).append(callback)

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


async def provide_uow(resources: NamedDependency[Resources]) -> AsyncGenerator[UnitOfWork, None]:
    """Litestar dependency: a transaction around the handler, committed before the
    response is sent, rolled back if the handler raises."""
    async with resources.sessionmaker() as session:
        uow = UnitOfWork(session)
        async with session.begin():
            yield uow
        await uow.run_after_commit()
