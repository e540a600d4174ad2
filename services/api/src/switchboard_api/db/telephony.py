"""Telephony bookkeeping: raw provider events (folded into calls) and the PBX member links."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from switchboard_api.db.base import Base


class TelephonyEvent(Base):
    """One webhook as received (after its signature was checked), stored once.

    ``dedupe_key`` identifies the event itself (leg and seq, recording and seq, entry...),
    so a repeated delivery is a no-op; a call is always the fold of its stored events.
    """

    __tablename__ = "telephony_events"
    __table_args__ = (
        UniqueConstraint("provider", "dedupe_key", name="uq_telephony_events_dedupe_key"),
        Index("ix_telephony_events_entry", "provider", "entry_id"),
        Index("ix_telephony_events_command", "provider", "command_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(400), nullable=False)
    entry_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    command_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class PbxMember(Base):
    """The PBX member we created or adopted for an employee (kept after the user is gone,
    so the member can still be removed)."""

    __tablename__ = "pbx_members"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id", name="uq_pbx_members_pid"),)

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    provider_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    extension: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    synced_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
