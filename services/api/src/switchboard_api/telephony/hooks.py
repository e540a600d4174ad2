"""After-commit hooks other entity types call so the PBX follows their changes.

Kept free of heavy imports (entity modules import this one): they only enqueue a job.
"""

from __future__ import annotations

import logging
import uuid

from redis.asyncio import Redis

from switchboard_api.settings import get_settings
from switchboard_api.telephony.jobqueue import enqueue

log = logging.getLogger("switchboard_api.telephony.hooks")

SYNC_MEMBER_JOB = "telephony_sync_member"
SYNC_LISTS_JOB = "telephony_sync_lists"


# One job per change (a unique key): a job already running may have read the state before
# this change committed, so it must not swallow the new one. The jobs serialize themselves
# (advisory locks) and are idempotent, so an extra run costs one comparison.


async def member_changed(redis: Redis, user_id: uuid.UUID) -> None:
    """An employee changed: bring their PBX member in step (a job, retried)."""
    key = f"pbx-member:{user_id}:{uuid.uuid4().hex}"
    await enqueue(redis, get_settings(), SYNC_MEMBER_JOB, key=key, user_id=str(user_id))


async def number_list_changed(redis: Redis, _list_id: uuid.UUID) -> None:
    """A number list or its entries changed: bring the PBX's lists in step."""
    await enqueue(redis, get_settings(), SYNC_LISTS_JOB, key=f"pbx-lists:{uuid.uuid4().hex}")
