"""Each employee's interface preferences (language, colour theme), per user on the server
rather than per browser.

Revision ID: 0016_user_preferences
Revises: 0015_user_avatar
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_user_preferences"
down_revision: str | Sequence[str] | None = "0015_user_avatar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in switchboard_api.db.preferences, frozen here: a migration never follows the code.
LANGUAGES = ("ru", "en")
THEMES = ("system", "light", "dark")


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("theme", sa.String(8), server_default="system", nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"language IN {LANGUAGES!r}", name="ck_user_preferences_language"),
        sa.CheckConstraint(f"theme IN {THEMES!r}", name="ck_user_preferences_theme"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_user_preferences_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_preferences"),
    )


def downgrade() -> None:
    op.drop_table("user_preferences")
