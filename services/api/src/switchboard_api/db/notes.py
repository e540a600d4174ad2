"""Notes: free text written by an employee about a record."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class Note(LifecycleColumns, Base):
    """A note with its author and an optional related record."""

    __tablename__ = "notes"
    __table_args__ = (
        Index(
            "ix_notes_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_notes_related", "related_type", "related_id"),
        Index("ix_notes_created_at", "created_at", "id"),
        # a record's timeline: its live notes, newest first
        Index(
            "ix_notes_timeline",
            "related_type",
            "related_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    related_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    related_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    search_text: Mapped[str] = search_text_column("body")
