"""Attachments: files in S3 tied to one record (contact, deal, task, note or call)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class Attachment(LifecycleColumns, Base):
    """One file: what the uploader promised (name, size, type), where it is stored, and what
    the worker measured once it arrived (checksum, image size, thumbnail)."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready')", name="status"),
        Index("ix_attachments_parent", "parent_type", "parent_id"),
        Index("ix_attachments_created_at", "created_at", "id"),
        Index(
            "ix_attachments_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    parent_type: Mapped[str] = mapped_column(String(32), nullable=False)
    parent_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(127), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")
    storage_key: Mapped[str] = mapped_column(String(1024), nullable=False, unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # S3's id of the multipart upload a large file is sent in, while it is pending.
    upload_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    search_text: Mapped[str] = search_text_column("name")
