"""Erasure: S3 objects left to delete, the audit of erasures, and recordings removed by
retention (``recording_status = 'expired'``).

Revision ID: 0009_erasure
Revises: 0008_sequence_returns_events
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_erasure"
down_revision: str | Sequence[str] | None = "0008_sequence_returns_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("none", "pending", "stored", "failed")
_AFTER = (*_BEFORE, "expired")


def _recording_status_check(statuses: tuple[str, ...]) -> None:
    op.drop_constraint("ck_calls_recording_status", "calls", type_="check")
    op.create_check_constraint(
        "ck_calls_recording_status", "calls", f"recording_status IN {statuses!r}"
    )


def upgrade() -> None:
    op.create_table(
        "pending_object_deletions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pending_object_deletions"),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("actor_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column(
            "erased_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_erasures"),
    )
    op.create_index("ix_erasures_entity_id", "erasures", ["entity_id"])
    _recording_status_check(_AFTER)


def downgrade() -> None:
    op.execute("UPDATE calls SET recording_status = 'none' WHERE recording_status = 'expired'")
    _recording_status_check(_BEFORE)
    op.drop_index("ix_erasures_entity_id", table_name="erasures")
    op.drop_table("erasures")
    op.drop_table("pending_object_deletions")
