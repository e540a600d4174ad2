"""Number list schemas (NumberList triple) and entry schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Kind = Literal["blacklist", "whitelist", "custom"]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Description = Annotated[str, Meta(max_length=2000)] | None
Comment = Annotated[str, Meta(max_length=500)] | None


class NumberList(RecordFields, kw_only=True):
    """A named list of numbers."""

    name: str
    kind: Kind
    description: str | None


class NumberListCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new number list."""

    name: Name
    kind: Kind = "custom"
    description: Description = None


class NumberListUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a number list (its entries have their own routes)."""

    name: Name | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    description: Description | UnsetType = UNSET


class NumberListEntry(msgspec.Struct, kw_only=True):
    """One number in a list."""

    id: uuid.UUID
    list_id: uuid.UUID
    number: str
    comment: str | None
    created_at: datetime
    created_by: uuid.UUID | None


class NumberListEntryCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A number to add, in any common format (stored as E.164)."""

    number: Annotated[str, Meta(min_length=1, max_length=32)]
    comment: Comment = None


class NumberListEntryPage(msgspec.Struct, kw_only=True):
    """A page of a list's entries, in number order."""

    items: list[NumberListEntry]
    next_cursor: str | None
