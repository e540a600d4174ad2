"""Jobs of the API's own domains that the worker runs. Each is idempotent: SAQ retries."""

from __future__ import annotations

import logging

from switchboard_api.lifecycle.purge import purge_expired_trash
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.worker.jobs")


async def purge_trash(ctx: WorkerContext) -> int:
    """Permanently delete records trashed longer than the retention; returns how many.

    Idempotent: a purged record is gone, so a retried or duplicated run finds nothing more.
    """
    resources = ctx["resources"]
    purged = await purge_expired_trash(resources)
    log.info("trash purge: %d records purged", purged)
    return purged
