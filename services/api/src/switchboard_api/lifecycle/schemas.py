"""Schemas every entity type shares: the record bookkeeping fields, pages, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any

import msgspec


class RecordFields(msgspec.Struct, kw_only=True):
    """Fields every record has; each type's read schema extends this."""

    id: uuid.UUID
    version: int
    created_at: datetime
    created_by: uuid.UUID | None
    updated_at: datetime
    updated_by: uuid.UUID | None
    deleted_at: datetime | None
    deleted_by: uuid.UUID | None


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One change of a record: who, when, what, and each changed field before/after."""

    id: int
    action: str
    version: int
    actor_id: uuid.UUID | None
    occurred_at: datetime
    changes: dict[str, Any]


class HistoryPage(msgspec.Struct, kw_only=True):
    """A page of a record's history, oldest first."""

    items: list[HistoryEntry]
    next_cursor: str | None


@cache
def page_of(read: type[msgspec.Struct], label: str) -> type[msgspec.Struct]:
    """The concrete ``<Label>Page`` schema (a named type, so OpenAPI shows it per entity)."""
    return msgspec.defstruct(
        f"{label}Page",
        [("items", list[read]), ("next_cursor", str | None)],  # type: ignore[valid-type]
        kw_only=True,
    )
