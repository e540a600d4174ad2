"""The worker's due-time scan: tasks due within the lead time, and tasks that became
overdue, tell their assignees, each once per task and due time (the store's dedupe key
makes a rerun, or two workers at once, harmless)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from switchboard_api.notifications.service import Notifier
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.worker.context import WorkerContext

log = logging.getLogger("switchboard_api.notifications")


async def notify_due_tasks(resources: Resources, now: datetime | None = None) -> int:
    """Notify assignees of tasks due soon and of tasks overdue (within the window) as of
    ``now``; how many notifications were created."""
    settings = resources.settings
    now = now or datetime.now(UTC)
    lead = timedelta(minutes=settings.notifications_due_lead_minutes)
    window = timedelta(hours=settings.notifications_overdue_window_hours)
    async with unit_of_work(resources) as uow:
        notifier = Notifier(uow)
        soon = await notifier.repo.store_due_tasks(
            "task_due_soon", now, now + lead, include_end=True
        )
        overdue = await notifier.repo.store_due_tasks(
            "task_overdue", now - window, now, include_end=True
        )
        notifier.deliver([*soon, *overdue])
    return len(soon) + len(overdue)


async def notifications_due_tasks(ctx: WorkerContext) -> int:
    """The worker's job: :func:`notify_due_tasks` now."""
    created = await notify_due_tasks(ctx["resources"])
    if created:
        log.info("due-time scan: %d notifications", created)
    return created
