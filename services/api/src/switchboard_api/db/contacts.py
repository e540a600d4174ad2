"""Contacts: the people and companies the team talks to."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class Contact(LifecycleColumns, Base):
    """A contact with typed E.164 phones; ``phone_numbers`` mirrors them for lookups."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "ix_contacts_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_contacts_phone_numbers", "phone_numbers", postgresql_using="gin"),
        # The company filter matches as you type: substrings and typos (migration 0013).
        Index(
            "ix_contacts_company_trgm",
            text("lower(company) gin_trgm_ops"),
            postgresql_using="gin",
        ),
        Index("ix_contacts_tags", "tags", postgresql_using="gin"),
        Index("ix_contacts_created_at", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    job_title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    emails: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    phones: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    phone_numbers: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    search_text: Mapped[str] = search_text_column(
        "name || ' ' || coalesce(company, '') || ' ' || sb_search_join(emails) || ' '"
        " || sb_search_join(phone_numbers)"
    )
