"""Number lists (blocked, VIP...) and their entries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class NumberList(LifecycleColumns, Base):
    """A named list of phone numbers; entry changes bump its version."""

    __tablename__ = "number_lists"
    __table_args__ = (
        Index(
            "ix_number_lists_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_number_lists_created_at", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default=text("'custom'"))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    search_text: Mapped[str] = search_text_column("name || ' ' || coalesce(description, '')")


class NumberListEntry(Base):
    """One E.164 number in a list; removed with its list when the list is purged."""

    __tablename__ = "number_list_entries"
    __table_args__ = (UniqueConstraint("list_id", "number", name="uq_number_list_entries_number"),)

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    list_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("number_lists.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
