"""Tasks: the answered call that closed a call-back task, as a link the client words in
the reader's language (it was an English sentence in ``closed_reason``).

Revision ID: 0014_task_closed_by_call
Revises: 0013_search
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0014_task_closed_by_call"
down_revision: str | Sequence[str] | None = "0013_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column(
            "closed_by_call_id",
            UUID(as_uuid=True),
            sa.ForeignKey("calls.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("tasks", "closed_by_call_id")
