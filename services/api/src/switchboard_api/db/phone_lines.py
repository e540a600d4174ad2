"""Phone lines: the company's numbers (DIDs), reference data synchronized from the PBX."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class PhoneLine(LifecycleColumns, Base):
    """A company line as the PBX knows it (``provider_line_id``) and as people call it."""

    __tablename__ = "phone_lines"
    __table_args__ = (
        UniqueConstraint("number", name="uq_phone_lines_number"),
        UniqueConstraint("provider", "provider_line_id", name="uq_phone_lines_provider_line_id"),
        Index(
            "ix_phone_lines_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_phone_lines_created_at", "created_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    provider_line_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    region: Mapped[str | None] = mapped_column(String(32), nullable=True)
    schema_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    responsible_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    """Who calls back a missed call on this line when the caller's contact has no owner."""
    search_text: Mapped[str] = search_text_column("number || ' ' || coalesce(name, '')")
