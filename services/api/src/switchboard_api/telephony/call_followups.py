"""What follows a call once the PBX has told us how it went: the missed-call loop (a
call-back task for the right person, closed by itself once the number is reached) and the
wrap-up prompt to the employee who took an answered call.

Called by :class:`~switchboard_api.telephony.call_folding.CallFolder` in the fold's
transaction; every write goes through the same :class:`RecordWriter` as a person's would,
with no actor (the system), and every message waits for the commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from switchboard_api.calls.schemas import WrapUpPrompt
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.deals.entity import DEALS
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.realtime.channels import personal_channel
from switchboard_api.telephony import followups_repository as repo

log = logging.getLogger("switchboard_api.telephony.call_followups")


@dataclass(frozen=True, slots=True)
class CallBackWords:
    """A call-back task's title and description, in one language (``str.format`` fields:
    ``name``; ``number``, ``at``)."""

    title: str
    description: str


#: Stored in the task, so in the workspace's language (settings.workspace_language).
CALL_BACK_WORDS = {
    "ru": CallBackWords(
        "Перезвонить: {name}", "Пропущенный звонок с {number}, {at:%d.%m.%Y %H:%M} UTC."
    ),
    "en": CallBackWords(
        "Call back {name}", "Missed call from {number} at {at:%Y-%m-%d %H:%M} UTC."
    ),
}

WRAP_UP_PROMPT = "call.wrap_up"
"""The personal-channel event that opens the wrap-up dialog."""


def external_number(call: Mapping[str, Any]) -> str | None:
    """The other party's E.164 number: the caller of an inbound call, the callee of an
    outbound one; None for internal calls."""
    if call["direction"] == "inbound":
        return call["from_number"]  # type: ignore[no-any-return]
    if call["direction"] == "outbound":
        return call["to_number"]  # type: ignore[no-any-return]
    return None


class CallFollowUps:
    """The missed-call loop and the wrap-up prompt, in a fold's unit of work."""

    def __init__(self, uow: UnitOfWork, tasks: RecordWriter) -> None:
        self.uow = uow
        self.session = uow.session
        self.settings = uow.resources.settings
        self.tasks = tasks

    async def call_back(self, call: Row) -> None:
        """A missed call from a known contact: one open call-back task per number, for the
        contact's owner, else the line's responsible employee, else a supervisor."""
        number = external_number(call)
        if not self.settings.telephony_missed_call_tasks or call["contact_id"] is None:
            return
        if number is None:
            return
        await repo.lock_callback_number(self.session, number)
        if await repo.open_callback_tasks(self.session, number):
            return  # the open one already says to call this number back
        contact = await LifecycleRepository(self.session, CONTACTS).get(call["contact_id"])
        name = contact["name"] if contact else number
        missed_at = call["started_at"] or call["created_at"]
        due = datetime.now(UTC) + timedelta(minutes=self.settings.telephony_callback_due_minutes)
        words = CALL_BACK_WORDS[self.settings.workspace_language]
        await self.tasks.insert(
            {
                "title": words.title.format(name=name)[:200],
                "description": words.description.format(number=number, at=missed_at),
                "due_at": due,
                "assignee_id": await self._call_back_assignee(call),
                "priority": "high",
                "related_type": "contacts",
                "related_id": call["contact_id"],
                "callback_number": number,
            }
        )

    async def _call_back_assignee(self, call: Row) -> uuid.UUID | None:
        owner = await repo.contact_owner(self.session, call["contact_id"])
        if owner is not None:
            return owner
        if call["phone_line_id"] is not None:
            responsible = await repo.line_responsible(self.session, call["phone_line_id"])
            if responsible is not None:
                return responsible
        return await repo.least_busy_supervisor(self.session)

    async def close_call_backs(self, call: Row) -> None:
        """An answered call with a number closes its open call-back tasks, saying why."""
        number = external_number(call)
        if number is None:
            return
        await repo.lock_callback_number(self.session, number)
        # A link, not a sentence: each reader's client words it in their language.
        for task in await repo.open_callback_tasks(self.session, number):
            await self.tasks.update(task, {"status": "done", "closed_by_call_id": call["id"]})
            log.info("call-back task %s closed by call %s", task["id"], call["id"])

    async def prompt_wrap_up(self, call: Row) -> None:
        """Ask the employee who took an answered call to wrap it up (after commit)."""
        if call["employee_id"] is None or call["wrapped_up_at"] is not None:
            return
        if call["direction"] == "internal":
            return  # a colleague, not a customer: nothing to wrap up
        contact = deal = None
        if call["contact_id"] is not None:
            contact = await LifecycleRepository(self.session, CONTACTS).get(call["contact_id"])
            deal_id = await repo.open_deal_of(self.session, call["contact_id"])
            if deal_id is not None:
                deal = await LifecycleRepository(self.session, DEALS).get(deal_id)
        prompt = WrapUpPrompt(
            call_id=call["id"],
            direction=call["direction"],
            number=external_number(call),
            talk_seconds=call["talk_seconds"],
            ended_at=call["ended_at"],
            contact_id=contact["id"] if contact else None,
            contact_name=contact["name"] if contact else None,
            deal_id=deal["id"] if deal else None,
            deal_title=deal["title"] if deal else None,
        )
        channel = personal_channel(call["employee_id"])
        self.uow.publish(channel, WRAP_UP_PROMPT, msgspec.json.encode(prompt).decode())
