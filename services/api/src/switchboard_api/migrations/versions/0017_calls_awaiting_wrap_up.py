"""Calls: an index of each employee's answered calls still waiting for their wrap-up, so a
page that opens (or reconnects) finds them at once however long the call log grows.

Revision ID: 0017_calls_awaiting_wrap_up
Revises: 0016_user_preferences
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_calls_awaiting_wrap_up"
down_revision: str | Sequence[str] | None = "0016_user_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The model's predicate as it stands in this revision (db/calls.py may change it later).
AWAITING_WRAP_UP = (
    "wrapped_up_at IS NULL AND answered_at IS NOT NULL AND is_final AND deleted_at IS NULL"
    " AND direction <> 'internal' AND provider <> 'manual'"
)


def upgrade() -> None:
    op.create_index(
        "ix_calls_awaiting_wrap_up",
        "calls",
        ["employee_id", sa.text("ended_at DESC")],
        postgresql_where=sa.text(AWAITING_WRAP_UP),
    )


def downgrade() -> None:
    op.drop_index("ix_calls_awaiting_wrap_up", table_name="calls")
