"""Employees: the people who log in, with their role and PBX extension."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import CITEXT, UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class User(LifecycleColumns, Base):
    """An employee account."""

    __tablename__ = "users"
    __table_args__ = (
        Index(
            "ix_users_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    email: Mapped[str] = mapped_column(CITEXT(), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, server_default=text("'agent'"))
    extension: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: The current avatar (a file whose parent is this user), once its thumbnails are made.
    avatar_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("attachments.id", ondelete="SET NULL"), nullable=True
    )
    search_text: Mapped[str] = search_text_column("full_name || ' ' || email::text")
