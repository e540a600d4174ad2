"""Deals: sales opportunities moving through stages."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column

DEAL_STAGES = ("new", "qualified", "proposal", "won", "lost")


class Deal(LifecycleColumns, Base):
    """A deal with a contact, an owner, a stage and an amount in a currency."""

    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(f"stage IN {DEAL_STAGES!r}", name="stage"),
        Index(
            "ix_deals_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_deals_created_at", "created_at", "id"),
    )

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    stage: Mapped[str] = mapped_column(String(16), nullable=False, server_default=text("'new'"))
    amount: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), nullable=False, server_default=text("0")
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default=text("'RUB'"))
    expected_close_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    search_text: Mapped[str] = search_text_column("title")
