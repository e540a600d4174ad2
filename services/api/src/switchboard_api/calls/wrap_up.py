"""The wrap-up of an answered call: its outcome (from the list admins edit), a note and a
follow-up task, all linked to the call, the call's contact and the contact's open deal.

The note and the task are about the deal if the contact has one in play, else about the
contact, else about the call; the call names all of them (``outcome_id``, ``deal_id``,
``wrap_up_note_id``, ``follow_up_task_id``), so each is reachable from the others.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.permissions import Action, Role, require
from switchboard_api.auth.principal import Principal
from switchboard_api.call_outcomes.entity import CALL_OUTCOMES
from switchboard_api.calls import repository as calls_repo
from switchboard_api.calls.entity import CALLS
from switchboard_api.calls.schemas import WrapUpPrompt, WrapUpQueue, WrapUpRequest
from switchboard_api.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.notes.entity import NOTES
from switchboard_api.platform.unit_of_work import UnitOfWork, read_session
from switchboard_api.tasks.entity import TASKS
from switchboard_api.telephony import followups_repository as repo
from switchboard_api.telephony.call_followups import external_number

#: The most calls the wrap-up list offers at once (older ones wait for these to be done).
AWAITING_LIMIT = 50


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=field, message=message)])


async def _wrappable_call(writer: RecordWriter, principal: Principal, call_id: uuid.UUID) -> Row:
    call = await writer.get(call_id, lock=True)
    if call is None or call["deleted_at"] is not None:
        raise NotFound(f"no call {call_id}")
    if principal.role == Role.AGENT and call["employee_id"] != principal.user_id:
        raise Forbidden("only the employee who took the call may wrap it up")
    if call["answered_at"] is None or not call["is_final"]:
        raise Conflict("only an answered call that has ended can be wrapped up")
    if call["wrapped_up_at"] is not None:
        raise Conflict("the call is already wrapped up")
    return call


async def wrap_up_call(
    uow: UnitOfWork, principal: Principal, call_id: uuid.UUID, data: WrapUpRequest
) -> Row:
    """Record the wrap-up of an answered call; the call as it is now."""
    require(principal, CALLS.name, Action.UPDATE)
    cache = record_cache(uow.resources)
    calls = RecordWriter(CALLS, uow, cache, actor=principal.user_id)
    call = await _wrappable_call(calls, principal, call_id)
    outcome = await LifecycleRepository(uow.session, CALL_OUTCOMES).get(data.outcome_id)
    if outcome is None or outcome["deleted_at"] is not None:
        raise _invalid("outcome_id", "no such call outcome")
    deal_id = None
    if call["contact_id"] is not None:
        deal_id = await repo.open_deal_of(uow.session, call["contact_id"])
    about: dict[str, Any] = (
        {"related_type": "deals", "related_id": deal_id}
        if deal_id is not None
        else {"related_type": "contacts", "related_id": call["contact_id"]}
        if call["contact_id"] is not None
        else {"related_type": "calls", "related_id": call["id"]}
    )
    who = {"created_by": principal.user_id, "updated_by": principal.user_id}
    values: dict[str, Any] = {
        "outcome_id": outcome["id"],
        "deal_id": deal_id,
        "wrapped_up_at": datetime.now(UTC),
    }
    if data.note is not None:
        notes = RecordWriter(NOTES, uow, cache, actor=principal.user_id)
        note = await notes.insert(
            {"body": data.note, "author_id": principal.user_id, **about, **who}
        )
        values["wrap_up_note_id"] = note.row["id"]
    if data.follow_up is not None:
        tasks = RecordWriter(TASKS, uow, cache, actor=principal.user_id)
        task = await tasks.insert(
            {
                "title": data.follow_up.title,
                "description": data.follow_up.description,
                "due_at": data.follow_up.due_at,
                "assignee_id": principal.user_id,
                **about,
                **who,
            }
        )
        values["follow_up_task_id"] = task.row["id"]
    return await calls.update(call, values)


async def calls_awaiting_wrap_up(
    sessions: async_sessionmaker[AsyncSession], principal: Principal, within_hours: int
) -> WrapUpQueue:
    """The caller's answered calls that ended within the last ``within_hours`` hours and are
    not wrapped up yet (deferred with "Later", or ended while no page of theirs was open)."""
    require(principal, CALLS.name, Action.READ)
    since = datetime.now(UTC) - timedelta(hours=within_hours)
    async with read_session(sessions) as session:
        rows = await calls_repo.awaiting_wrap_up(session, principal.user_id, since, AWAITING_LIMIT)
    return WrapUpQueue(
        items=[
            WrapUpPrompt(
                call_id=row["call_id"],
                direction=row["direction"],
                number=external_number(row),
                talk_seconds=row["talk_seconds"],
                ended_at=row["ended_at"],
                contact_id=row["contact_id"],
                contact_name=row["contact_name"],
                deal_id=row["deal_id"],
                deal_title=row["deal_title"],
            )
            for row in rows
        ]
    )
