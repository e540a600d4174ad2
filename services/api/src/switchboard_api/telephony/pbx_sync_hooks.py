"""Change hooks other entity types call so the PBX follows their changes.

Kept free of heavy imports (entity modules import this one): they only enqueue a job,
through the writing transaction, so it is sent once that commits.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from switchboard_api.platform.unit_of_work import UnitOfWork

SYNC_MEMBER_JOB = "telephony_sync_member"
SYNC_LISTS_JOB = "telephony_sync_lists"


# One job per change (a unique key): a job already running may have read the state before
# this change committed, so it must not swallow the new one. The jobs serialize themselves
# (advisory locks) and are idempotent, so an extra run costs one comparison.


def member_changed(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """An employee changed: bring their PBX member in step (a job, retried)."""
    key = f"pbx-member:{user_id}:{uuid.uuid4().hex}"
    uow.enqueue(SYNC_MEMBER_JOB, key=key, user_id=str(user_id))


def number_list_changed(uow: UnitOfWork, _list_id: uuid.UUID) -> None:
    """A number list or its entries changed: bring the PBX's lists in step."""
    uow.enqueue(SYNC_LISTS_JOB, key=f"pbx-lists:{uuid.uuid4().hex}")
