"""Notification schemas: the stored notification, its page, the unread count, preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

NotificationKind = Literal[
    "task_assigned", "task_due_soon", "task_overdue", "missed_call", "mention", "recording_ready"
]
NOTIFICATION_KINDS: tuple[NotificationKind, ...] = (
    "task_assigned",
    "task_due_soon",
    "task_overdue",
    "missed_call",
    "mention",
    "recording_ready",
)
NOTIFICATION_EVENT = "notification.created"
"""The realtime event a new notification is sent as, on the employee's personal channel."""


class Notification(msgspec.Struct, kw_only=True):
    """Something an employee is told; ``record_type``/``record_id`` link to the record."""

    id: uuid.UUID
    kind: NotificationKind
    title: str
    body: str | None
    record_type: str | None
    record_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(msgspec.Struct, kw_only=True):
    """A page of the caller's notifications, newest first."""

    items: list[Notification]
    next_cursor: str | None


class UnreadCount(msgspec.Struct, kw_only=True):
    """How many of the caller's notifications are unread."""

    unread: int


class MarkedRead(msgspec.Struct, kw_only=True):
    """How many notifications a mark-read call changed, and how many stay unread."""

    marked: int
    unread: int


class NotificationPreferences(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The kinds the employee switched off (never created for them)."""

    disabled_kinds: list[NotificationKind]


class NewNotification(msgspec.Struct, kw_only=True):
    """A notification a rule wants to create (before it is stored)."""

    kind: NotificationKind
    title: str
    dedupe_key: str
    body: str | None = None
    record_type: str | None = None
    record_id: uuid.UUID | None = None
    source_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
