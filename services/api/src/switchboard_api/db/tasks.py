"""Tasks: things to do, assigned to an employee, optionally about another record."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column

TASK_STATUSES = ("open", "in_progress", "done", "cancelled")
TASK_PRIORITIES = ("low", "normal", "high", "urgent")


class Task(LifecycleColumns, Base):
    """A task with a due time, an assignee and an optional related record."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {TASK_STATUSES!r}", name="status"),
        CheckConstraint(f"priority IN {TASK_PRIORITIES!r}", name="priority"),
        Index(
            "ix_tasks_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_tasks_related", "related_type", "related_id"),
        Index("ix_tasks_created_at", "created_at", "id"),
        # a record's timeline: its live tasks, newest first
        Index(
            "ix_tasks_timeline",
            "related_type",
            "related_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # the due-time scan of the notifications job: only tasks still to do
        Index(
            "ix_tasks_due_open",
            "due_at",
            postgresql_where=text(
                "status IN ('open', 'in_progress') AND deleted_at IS NULL"
                " AND assignee_id IS NOT NULL"
            ),
        ),
        Index(
            "uq_tasks_open_callback_number",
            "callback_number",
            unique=True,
            postgresql_where=text(
                "callback_number IS NOT NULL AND deleted_at IS NULL"
                " AND status IN ('open', 'in_progress')"
            ),
        ),
    )

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=text("'open'"))
    priority: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text("'normal'")
    )
    related_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    related_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    callback_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """E.164 number a call-back task is for (set by the missed-call loop, which closes it)."""
    closed_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    """Why the task was closed, in words, when no link below says it."""
    closed_by_call_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calls.id", ondelete="SET NULL"), nullable=True
    )
    """The answered call that made a call-back task moot (the missed-call loop closed it)."""
    search_text: Mapped[str] = search_text_column("title || ' ' || coalesce(description, '')")
