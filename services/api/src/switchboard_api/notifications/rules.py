"""Who is told what: the ``on_written`` hooks of tasks, notes and calls turn a new version of
a record into notifications, in the transaction that wrote it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from switchboard_api.lifecycle.registry import RecordChange
from switchboard_api.notifications.schemas import NewNotification
from switchboard_api.notifications.service import Notifier
from switchboard_api.telephony.call_followups import external_number

MENTION = re.compile(r"@\[([^\]\n]{1,200})\]\(user:([0-9a-fA-F-]{36})\)")
"""A mention as the note form writes it: ``@[Full Name](user:<uuid>)``."""
SNIPPET = 280


def mentioned(body: str | None) -> set[uuid.UUID]:
    """The employees a note's body mentions."""
    found: set[uuid.UUID] = set()
    for match in MENTION.finditer(body or ""):
        try:
            found.add(uuid.UUID(match.group(2)))
        except ValueError:
            continue
    return found


def plain_text(body: str) -> str:
    """The body as people read it (mentions as ``@Full Name``), shortened."""
    text = MENTION.sub(lambda m: f"@{m.group(1)}", body)
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


async def task_written(change: RecordChange) -> None:
    """A task given to someone by someone else (created so, or reassigned) tells them."""
    task = change.after
    assignee = task["assignee_id"]
    if change.action not in ("created", "updated") or assignee is None:
        return
    if change.action == "updated" and change.before.get("assignee_id") == assignee:
        return
    await Notifier(change.uow).notify(
        [assignee],
        NewNotification(
            kind="task_assigned",
            title=task["title"],
            record_type="tasks",
            record_id=task["id"],
            source_id=task["id"],
            actor_id=change.actor,
            dedupe_key=f"task_assigned:{task['id']}:{task['version']}",
        ),
    )


async def note_written(change: RecordChange) -> None:
    """Employees a note newly mentions are told (each once per note)."""
    note = change.after
    if change.action not in ("created", "updated") or note["deleted_at"] is not None:
        return
    new = mentioned(note["body"]) - mentioned(change.before.get("body"))
    if not new:
        return
    notifier = Notifier(change.uow)
    author = note["author_id"] or change.actor
    author_name = await notifier.repo.user_name(author) if author else None
    await notifier.notify(
        sorted(new),
        NewNotification(
            kind="mention",
            title=author_name or "",
            body=plain_text(note["body"]),
            record_type=note["related_type"] or "notes",
            record_id=note["related_id"] or note["id"],
            source_id=note["id"],
            actor_id=author,
            dedupe_key=f"mention:{note['id']}",
        ),
    )


def _became(change: RecordChange, field: str, value: Any) -> bool:
    return bool(change.after[field] == value and change.before.get(field) != value)


async def call_written(change: RecordChange) -> None:
    """A call that ended missed tells the employee whose extension rang and the contact's
    owner; a recording stored tells the employee who had the call."""
    call = change.after
    missed = call["status"] == "missed" and call["is_final"]
    was_missed = change.before.get("status") == "missed" and change.before.get("is_final")
    stored = _became(change, "recording_status", "stored")
    if not stored and not (missed and not was_missed):
        return
    notifier = Notifier(change.uow)
    contact = await notifier.repo.contact_brief(call["contact_id"]) if call["contact_id"] else None
    # Named by the contact, else by the other party's number (the caller, or the one called
    # back: never the company's own line); the client words a number or an empty title.
    who = (contact[0] if contact else None) or external_number(call) or call["from_extension"] or ""
    record = ("contacts", call["contact_id"]) if contact else ("calls", call["id"])
    if missed and not was_missed:
        await notifier.notify(
            [call["employee_id"], contact[1] if contact else None],
            NewNotification(
                kind="missed_call",
                title=who,
                record_type=record[0],
                record_id=record[1],
                source_id=call["id"],
                actor_id=change.actor,
                dedupe_key=f"missed_call:{call['id']}",
            ),
        )
    if stored:
        await notifier.notify(
            [call["employee_id"]],
            NewNotification(
                kind="recording_ready",
                title=who,
                record_type=record[0],
                record_id=record[1],
                source_id=call["id"],
                dedupe_key=f"recording_ready:{call['id']}",
            ),
        )
