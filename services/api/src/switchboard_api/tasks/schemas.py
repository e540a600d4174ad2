"""Task schemas: Task / TaskCreate / TaskUpdate."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Status = Literal["open", "in_progress", "done", "cancelled"]
Priority = Literal["low", "normal", "high", "urgent"]
RelatedType = Literal["contacts", "deals", "calls"]
Title = Annotated[str, Meta(min_length=1, max_length=200)]
Description = Annotated[str, Meta(max_length=10_000)] | None


class Task(RecordFields, kw_only=True):
    """A task."""

    title: str
    description: str | None
    due_at: datetime | None
    assignee_id: uuid.UUID | None
    status: Status
    priority: Priority
    related_type: RelatedType | None
    related_id: uuid.UUID | None
    callback_number: str | None
    """E.164 number of a call-back task (the missed-call loop sets it and closes the task
    once a call with that number is answered)."""
    closed_reason: str | None
    """Why the task was closed, in words, when ``closed_by_call_id`` does not say it."""
    closed_by_call_id: uuid.UUID | None
    """The answered call with the task's number that closed this call-back task."""


class TaskCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new task; ``related_type`` and ``related_id`` come together or not at all."""

    title: Title
    description: Description = None
    due_at: datetime | None = None
    assignee_id: uuid.UUID | None = None
    status: Status = "open"
    priority: Priority = "normal"
    related_type: RelatedType | None = None
    related_id: uuid.UUID | None = None


class TaskUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a task."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    due_at: datetime | UnsetType | None = UNSET
    assignee_id: uuid.UUID | UnsetType | None = UNSET
    status: Status | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    related_type: RelatedType | UnsetType | None = UNSET
    related_id: uuid.UUID | UnsetType | None = UNSET
