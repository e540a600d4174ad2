"""The timeline's decisions: which kinds the caller may read, and the merge of the kinds'
pages into one, newest first, continued by an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.permissions import Action, can, require
from switchboard_api.auth.principal import Principal
from switchboard_api.calls.entity import CALLS
from switchboard_api.errors import BadRequest, FieldError, Forbidden, NotFound
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.repository import LifecycleRepository
from switchboard_api.lifecycle.schemas import HistoryEntry
from switchboard_api.notes.entity import NOTES
from switchboard_api.platform.unit_of_work import read_session
from switchboard_api.tasks.entity import TASKS
from switchboard_api.timeline.repository import (
    After,
    CallsOf,
    TimelineRepository,
    TimelineRow,
)
from switchboard_api.timeline.schemas import KINDS, Kind, TimelineItem, TimelinePage

#: The entity type whose read permission a kind needs (``change``: the record's own type).
KIND_TYPES: dict[Kind, str | None] = {"call": "calls", "note": "notes", "task": "tasks"}


class _Cursor(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    at: datetime
    kind: Kind
    id: str


def _bad_cursor() -> BadRequest:
    return BadRequest(
        "The cursor is not valid",
        errors=[
            FieldError(field="cursor", message="not a cursor of this timeline", source="query")
        ],
    )


def encode_cursor(item: TimelineItem) -> str:
    raw = msgspec.json.encode(_Cursor(at=item.at, kind=item.kind, id=item.id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parsed = msgspec.json.decode(raw, type=_Cursor)
        if parsed.kind == "change":
            int(parsed.id)
        else:
            uuid.UUID(parsed.id)
    except (binascii.Error, ValueError, msgspec.ValidationError, msgspec.DecodeError):
        raise _bad_cursor() from None
    return parsed


def _after(kind: Kind, cursor: _Cursor | None) -> After | None:
    """The keyset condition of ``kind`` for a page after ``cursor``: the merged order is
    (time, kind, id) descending, so a kind that sorts before the cursor's still has the
    cursor's instant to give, one after it does not."""
    if cursor is None:
        return None
    if kind == cursor.kind:
        own_id: Any = int(cursor.id) if kind == "change" else uuid.UUID(cursor.id)
        return After(cursor.at, id=own_id)
    return After(cursor.at, inclusive=kind < cursor.kind)


class TimelineReader:
    """The timeline of contacts and deals for one caller."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], principal: Principal
    ) -> None:
        self.sessionmaker = sessionmaker
        self.principal = principal

    def readable_kinds(self, entity: EntityType, asked: Collection[Kind] | None) -> list[Kind]:
        """The kinds to show: those asked for (all by default), each only if the caller may
        read its type; asking for one they may not is a 403."""
        kinds = list(asked) if asked else list(KINDS)
        readable = [
            k
            for k in kinds
            if can(self.principal.role, KIND_TYPES.get(k) or entity.name, Action.READ)
        ]
        if asked and len(readable) < len(kinds):
            refused = sorted(set(kinds) - set(readable))
            raise Forbidden(f"role {self.principal.role} may not read {', '.join(refused)} items")
        return readable

    async def page(
        self,
        entity: EntityType,
        record_id: uuid.UUID,
        *,
        kinds: Collection[Kind] | None,
        cursor: str | None,
        limit: int,
    ) -> TimelinePage:
        """One page of the record's timeline (404 if there is no such record)."""
        require(self.principal, entity.name, Action.READ)
        shown = self.readable_kinds(entity, kinds)
        after = decode_cursor(cursor) if cursor else None
        async with read_session(self.sessionmaker) as session:
            record = await LifecycleRepository(session, entity).get(record_id)
            if record is None:
                raise NotFound(f"no {entity.name} record {record_id}")
            keysets: dict[str, After | None] = {kind: _after(kind, after) for kind in shown}
            rows = await TimelineRepository(session).page(
                (entity.name, record_id), shown, keysets, limit + 1, calls=_calls_of(entity, record)
            )
        items = [_item(row) for row in rows[:limit]]
        next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
        return TimelinePage(items=items, next_cursor=next_cursor)


_READ: dict[str, EntityType] = {"call": CALLS, "note": NOTES, "task": TASKS}


def _calls_of(entity: EntityType, record: Mapping[str, Any]) -> CallsOf | None:
    """Whose calls a record's timeline shows: a contact's own; a deal's, those with its
    contact since the deal was opened (the talks that moved it); none without a contact."""
    if entity.name == "contacts":
        return CallsOf(record["id"])
    if record.get("contact_id") is None:
        return None
    return CallsOf(record["contact_id"], since=record["created_at"])


def _item(row: TimelineRow) -> TimelineItem:
    """An item from its stored row (the read schema drops stored-only columns)."""
    doc = msgspec.json.decode(row.doc)
    kind: Kind = msgspec.convert(row.kind, Kind)
    item_id = (row.key.lstrip("0") or "0") if kind == "change" else row.key
    item = TimelineItem(kind=kind, id=item_id, at=row.at)
    if kind == "change":
        item.change = msgspec.convert(doc, HistoryEntry, strict=False)
    else:
        setattr(item, kind, to_read(_READ[kind], doc))
    return item
