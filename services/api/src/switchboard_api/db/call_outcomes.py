"""Call outcomes: the list admins edit that a call's wrap-up picks from."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base, LifecycleColumns
from switchboard_api.db.search import search_text_column


class CallOutcome(LifecycleColumns, Base):
    """One outcome ("Interested", "Wrong number"...), shown in ``position`` order."""

    __tablename__ = "call_outcomes"
    __table_args__ = (
        Index(
            "ix_call_outcomes_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_call_outcomes_created_at", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    search_text: Mapped[str] = search_text_column("name")
