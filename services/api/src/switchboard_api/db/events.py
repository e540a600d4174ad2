"""``entity_events``: each record's history, the realtime outbox and the recovery log at once.

Writers insert rows without an ``offset``; the sequencer (one at a time, under an advisory
lock) assigns offsets in the order it sees committed rows, so an offset a reader has seen is
never followed by a smaller one. Only rows with an offset are visible in the feed; a
``withheld`` row never gets one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, false, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base


class EntityEvent(Base):
    """One change of one record."""

    __tablename__ = "entity_events"
    __table_args__ = (
        Index("ix_entity_events_entity", "entity_type", "entity_id", "id"),
        # a record's timeline: its changes by time
        Index("ix_entity_events_timeline", "entity_type", "entity_id", "occurred_at", "id"),
        Index(
            "ix_entity_events_unsequenced",
            "id",
            postgresql_where=text('"offset" IS NULL AND NOT withheld'),
        ),
        Index(
            "ix_entity_events_unpublished",
            "offset",
            postgresql_where=text('"offset" IS NOT NULL AND published_at IS NULL'),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    offset: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    entity_type: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Kept for the record's history only: never numbered, so never in the feed nor
    #: published (a file's writes before its upload completes).
    withheld: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
