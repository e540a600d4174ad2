"""Calls: every phone call the PBX reported, with its outcome and recording."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column

CALL_DIRECTIONS = ("inbound", "outbound", "internal")
CALL_STATUSES = ("ringing", "in_progress", "completed", "missed", "failed")
RECORDING_STATUSES = ("none", "pending", "stored", "failed", "expired")
"""``expired``: stored once, deleted from S3 by the recording retention (the call stays)."""
AWAITING_WRAP_UP = (
    "wrapped_up_at IS NULL AND answered_at IS NOT NULL AND is_final AND deleted_at IS NULL"
    " AND direction <> 'internal' AND provider <> 'manual'"
)
"""An answered call of the PBX's, with a customer, that ended and is not wrapped up yet."""


class Call(LifecycleColumns, Base):
    """One call (the provider's call group): who, when, how it ended, its recording.

    ``provider_call_id`` is NULL only for a click-to-call whose first event has not
    arrived yet; such a call is found by ``command_id``.
    """

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("provider", "provider_call_id", name="uq_calls_provider_call_id"),
        UniqueConstraint("provider", "command_id", name="uq_calls_command_id"),
        CheckConstraint(f"direction IN {CALL_DIRECTIONS!r}", name="direction"),
        CheckConstraint(f"status IN {CALL_STATUSES!r}", name="status"),
        CheckConstraint(f"recording_status IN {RECORDING_STATUSES!r}", name="recording_status"),
        Index(
            "ix_calls_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_calls_created_at", "created_at", "id"),
        # a contact's timeline: its live calls, newest first
        Index(
            "ix_calls_timeline",
            "contact_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_calls_started_at", "started_at", "id"),
        Index("ix_calls_recording_id", "provider", "recording_id"),
        Index("ix_calls_deal_id", "deal_id"),
        # Search finds calls by the start of either number (migration 0013).
        Index("ix_calls_from_number_prefix", text("from_number text_pattern_ops")),
        Index("ix_calls_to_number_prefix", text("to_number text_pattern_ops")),
        # An employee's answered calls still to wrap up, most recent first (migration 0017);
        # the predicate is calls/repository.py's awaiting_wrap_up_condition, word for word.
        Index(
            "ix_calls_awaiting_wrap_up",
            "employee_id",
            text("ended_at DESC"),
            postgresql_where=text(AWAITING_WRAP_UP),
        ),
    )

    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    provider_call_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    command_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    direction: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    is_final: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    from_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    from_extension: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_extension: Mapped[str | None] = mapped_column(String(16), nullable=True)
    line_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone_line_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("phone_lines.id", ondelete="SET NULL"), nullable=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    employee_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    talk_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    disconnect_reason: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recording_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    recording_status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text("'none'")
    )
    recording_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    recording_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recording_content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recording_duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("call_outcomes.id", ondelete="SET NULL"), nullable=True
    )
    deal_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deals.id", ondelete="SET NULL"), nullable=True
    )
    """The contact's open deal the wrap-up linked the call to."""
    wrap_up_note_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("notes.id", ondelete="SET NULL"), nullable=True
    )
    follow_up_task_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True
    )
    wrapped_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    search_text: Mapped[str] = search_text_column(
        "coalesce(summary, '') || ' ' || coalesce(from_number, '') || ' '"
        " || coalesce(to_number, '') || ' '"
        " || coalesce(from_extension, '') || ' ' || coalesce(to_extension, '')"
        " || ' ' || coalesce(line_number, '')"
    )
