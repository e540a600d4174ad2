"""What ``GET /api/v1/search`` answers: hits grouped by type."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

SearchedType = Literal["contacts", "deals", "tasks", "notes", "calls", "users"]


class SearchHit(msgspec.Struct, kw_only=True):
    """One record found: enough to show it in a list and open it."""

    id: uuid.UUID
    title: str
    #: A second line: company and phone, e-mail, description.
    subtitle: str | None
    #: The record's stage, status or role (a code the client puts into words).
    status: str | None
    #: When it happens or happened: a task's due time, a call's start.
    at: datetime | None


class SearchGroup(msgspec.Struct, kw_only=True):
    """The hits of one type, best first."""

    type: SearchedType
    items: list[SearchHit]


class SearchResults(msgspec.Struct, kw_only=True):
    """Every type the caller may read that has hits, in a fixed order."""

    query: str
    groups: list[SearchGroup]
