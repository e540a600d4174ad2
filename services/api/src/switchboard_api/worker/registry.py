"""Every job the worker runs, in one place. A domain adds its job functions and crons here."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from saq import CronJob

from switchboard_api.attachments.jobs import JOB_FUNCTIONS as ATTACHMENT_JOBS
from switchboard_api.attachments.jobs import attachments_remove_stale
from switchboard_api.erasure.objects import erase_pending_objects
from switchboard_api.lifecycle.purge import purge_trash
from switchboard_api.notifications.jobs import notifications_due_tasks
from switchboard_api.realtime.termination import realtime_terminate_user
from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.recording_retention import telephony_expire_recordings
from switchboard_api.telephony.worker_jobs import JOB_FUNCTIONS as TELEPHONY_JOBS
from switchboard_api.telephony.worker_jobs import telephony_reconcile, telephony_reconcile_history
from switchboard_api.worker.context import WorkerContext


@dataclasses.dataclass
class RetryingCronJob(CronJob[WorkerContext]):
    """A cron job whose failed runs are retried with exponential backoff.

    SAQ copies every field of a cron job into the job it enqueues, so the Job fields
    ``retry_delay`` and ``retry_backoff`` added here reach the scheduled jobs.
    """

    retry_delay: float = 5.0
    retry_backoff: bool | float = 300.0


def functions() -> Collection[Any]:
    """Job functions that may be enqueued by name (``queue.enqueue("purge_trash")``)."""
    return [
        purge_trash,
        erase_pending_objects,
        notifications_due_tasks,
        realtime_terminate_user,
        *TELEPHONY_JOBS,
        *ATTACHMENT_JOBS,
    ]


def cron_jobs(settings: ApiSettings) -> list[CronJob[WorkerContext]]:
    """Scheduled jobs; unique per run, so several workers enqueue each run only once."""
    return [
        RetryingCronJob(purge_trash, cron=settings.trash_purge_cron, timeout=600, retries=5),
        RetryingCronJob(
            erase_pending_objects, cron=settings.erasure_sweep_cron, timeout=600, retries=3
        ),
        RetryingCronJob(
            telephony_expire_recordings,
            cron=settings.telephony_recording_retention_cron,
            timeout=1800,
            retries=5,
        ),
        RetryingCronJob(
            notifications_due_tasks,
            cron=settings.notifications_due_scan_cron,
            timeout=120,
            retries=2,
        ),
        RetryingCronJob(
            telephony_reconcile, cron=settings.telephony_sync_cron, timeout=600, retries=8
        ),
        RetryingCronJob(
            attachments_remove_stale,
            cron=settings.attachments_cleanup_cron,
            timeout=600,
            retries=5,
        ),
        RetryingCronJob(
            telephony_reconcile_history,
            cron=settings.telephony_history_cron,
            timeout=1800,
            retries=5,
        ),
    ]
