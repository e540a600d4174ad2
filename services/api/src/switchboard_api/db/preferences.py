"""Each employee's own interface preferences (language, colour theme), kept on the server so
they follow the employee to every browser."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base
from switchboard_api.preferences.schemas import LANGUAGES, THEMES


class UserPreference(Base):
    """One employee's preferences; no row means the defaults (version 1). ``version`` is the
    ETag a change must name, as for records: two tabs never overwrite each other blindly."""

    __tablename__ = "user_preferences"
    __table_args__ = (
        CheckConstraint(f"language IN {LANGUAGES!r}", name="language"),
        CheckConstraint(f"theme IN {THEMES!r}", name="theme"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: ``NULL``: not chosen yet; the browser's language decides.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    theme: Mapped[str] = mapped_column(String(8), nullable=False, server_default="system")
    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
