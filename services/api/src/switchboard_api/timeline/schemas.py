"""Timeline schemas: one item per call, note, task or change, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from switchboard_api.calls.schemas import Call
from switchboard_api.lifecycle.schemas import HistoryEntry
from switchboard_api.notes.schemas import Note
from switchboard_api.tasks.schemas import Task

Kind = Literal["call", "note", "task", "change"]
KINDS: tuple[Kind, ...] = ("call", "change", "note", "task")
"""Every kind, in the order that breaks ties between items of the same instant."""


class TimelineItem(msgspec.Struct, kw_only=True):
    """One entry: ``kind`` says which one of ``call``, ``note``, ``task`` or ``change`` is
    set (a call carries its recording's status, size and duration)."""

    kind: Kind
    id: str
    at: datetime
    call: Call | None = None
    note: Note | None = None
    task: Task | None = None
    change: HistoryEntry | None = None


class TimelinePage(msgspec.Struct, kw_only=True):
    """A page of a record's timeline, newest first; follow ``next_cursor`` for older ones."""

    items: list[TimelineItem]
    next_cursor: str | None
