"""Jobs of the API's own domains that the worker runs. Each is idempotent: SAQ retries."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.settings import ApiSettings
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.worker.jobs")

PurgeFn = Callable[[async_sessionmaker[AsyncSession], ApiSettings, datetime | None], Awaitable[int]]


def _purge_function() -> PurgeFn | None:
    # Imported by name: the lifecycle domain provides it (and may not be installed yet).
    try:
        module: Any = importlib.import_module("switchboard_api.lifecycle.purge")
    except ImportError:
        return None
    return cast("PurgeFn", module.purge_expired_trash)


async def purge_trash(ctx: WorkerContext) -> int:
    """Permanently delete records trashed longer than the retention; returns how many."""
    purge = _purge_function()
    if purge is None:
        log.warning("trash purge skipped: switchboard_api.lifecycle.purge is not available")
        return 0
    resources = ctx["resources"]
    purged = await purge(resources.sessionmaker, resources.settings, None)
    log.info("trash purge: %d records purged", purged)
    return purged
