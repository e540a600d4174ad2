"""Attachments: the S3 multipart upload a large file is sent in, while it is pending.

Revision ID: 0018_attachment_multipart
Revises: 0017_calls_awaiting_wrap_up
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_attachment_multipart"
down_revision: str | Sequence[str] | None = "0017_calls_awaiting_wrap_up"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("upload_id", sa.String(1024), nullable=True))


def downgrade() -> None:
    op.drop_column("attachments", "upload_id")
