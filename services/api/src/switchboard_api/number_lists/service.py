"""Entries of number lists: each change is a new version of the list, with an event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from switchboard_api.errors import BadRequest, Conflict, FieldError, NotFound
from switchboard_api.lifecycle.reads import LifecycleReader
from switchboard_api.lifecycle.service import LifecycleService, Saved
from switchboard_api.lifecycle.validation import normalize_phone
from switchboard_api.number_lists import repository
from switchboard_api.number_lists.schemas import (
    NumberListEntry,
    NumberListEntryCreate,
    NumberListEntryPage,
)
from switchboard_api.platform.unit_of_work import read_session


def _entry(row: Mapping[str, Any]) -> NumberListEntry:
    return msgspec.convert(dict(row), NumberListEntry)


def _event_value(entry: NumberListEntry) -> dict[str, Any]:
    return {"id": str(entry.id), "number": entry.number, "comment": entry.comment}


async def add_entry(
    lists: LifecycleService, list_id: uuid.UUID, if_match: int | None, data: NumberListEntryCreate
) -> tuple[NumberListEntry, Saved]:
    """Add a number (409 if the list has it already); the list gets a new version."""
    number = normalize_phone(data.number, "number", lists.settings.default_phone_region)
    entry_id = uuid.uuid4()
    after = {"id": str(entry_id), "number": number, "comment": data.comment}
    # The version bump locks the list's row first, so concurrent changes queue up; a
    # refusal below rolls the bump and its event back with everything else.
    saved = await lists.touch(list_id, if_match, {"entries": {"before": None, "after": after}})
    session = lists.uow.session
    if await repository.find_entry(session, list_id, number) is not None:
        raise Conflict(
            f"the list already has {number}",
            errors=[FieldError(field="number", message="already in the list")],
        )
    actor = lists.principal.user_id
    row = await repository.add_entry(
        session,
        entry_id=entry_id,
        list_id=list_id,
        number=number,
        comment=data.comment,
        actor=actor,
    )
    return _entry(row), saved


async def remove_entry(
    lists: LifecycleService, list_id: uuid.UUID, entry_id: uuid.UUID, if_match: int | None
) -> Saved:
    """Remove an entry; the list gets a new version."""
    session = lists.uow.session
    found = await repository.get_entry(session, list_id, entry_id)
    if found is None:
        raise NotFound(f"no entry {entry_id} in number list {list_id}")
    before = _event_value(_entry(found))
    saved = await lists.touch(list_id, if_match, {"entries": {"before": before, "after": None}})
    if await repository.remove_entry(session, list_id, entry_id) is None:
        raise NotFound(f"no entry {entry_id} in number list {list_id}")
    return saved


async def list_entries(
    reader: LifecycleReader, list_id: uuid.UUID, cursor: str | None, limit: int
) -> NumberListEntryPage:
    """A page of the list's entries (the list may be live or trashed)."""
    await reader.get_json(list_id)  # 404 for an unknown list, and the read permission
    if cursor is not None and not (cursor.startswith("+") and cursor[1:].isdigit()):
        raise BadRequest(
            "The cursor is not valid",
            errors=[
                FieldError(field="cursor", message="not a cursor of this list", source="query")
            ],
        )
    async with read_session(reader.sessionmaker) as session:
        rows = await repository.page_entries(session, list_id, cursor, limit)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = rows[-1]["number"]
    return NumberListEntryPage(items=[_entry(r) for r in rows], next_cursor=next_cursor)
