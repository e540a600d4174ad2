"""Users: an avatar, a file (an attachment whose parent is the user) the worker has made
square thumbnails of. Purging the file clears the reference as a write of the user.

Revision ID: 0015_user_avatar
Revises: 0014_task_closed_by_call
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0015_user_avatar"
down_revision: str | Sequence[str] | None = "0014_task_closed_by_call"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "avatar_id",
            UUID(as_uuid=True),
            sa.ForeignKey("attachments.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "avatar_id")
