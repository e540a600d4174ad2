"""Wire shapes of the events feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class FieldChange(msgspec.Struct, kw_only=True):
    """One changed field: its value before and after the change (JSON values)."""

    before: Any = None
    after: Any = None


class Event(msgspec.Struct, kw_only=True):
    """One change of one record, as the feed shows it."""

    offset: int
    entity_type: str
    entity_id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None
    version: int
    changes: dict[str, FieldChange]
    occurred_at: datetime


class EventPage(msgspec.Struct, kw_only=True):
    """A page of the feed. Ask again with ``after=next_after``; ``has_more`` says whether
    more events were already waiting when this page was read. ``head`` is the highest
    offset assigned so far: a client that is about to load its data fresh starts from it."""

    events: list[Event]
    next_after: int
    has_more: bool
    head: int
