"""Foundation: extensions and the users table.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def lifecycle_columns() -> list[sa.Column[object]]:
    """The columns every lifecycle table starts with (see db.base.LifecycleColumns)."""
    return [
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            nullable=False,
            server_default=sa.text("gen_random_uuid()"),
        ),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", postgresql.UUID(as_uuid=True), nullable=True),
    ]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS citext")
    op.create_table(
        "users",
        *lifecycle_columns(),
        sa.Column("email", postgresql.CITEXT(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, server_default=sa.text("'agent'")),
        sa.Column("extension", sa.String(16), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("extension", name="uq_users_extension"),
        sa.CheckConstraint("role IN ('admin', 'supervisor', 'agent')", name="ck_users_role"),
    )

    op.create_table(
        "entity_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=True),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "changes", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_entity_events"),
        sa.UniqueConstraint("offset", name="uq_entity_events_offset"),
    )
    op.create_index("ix_entity_events_entity", "entity_events", ["entity_type", "entity_id", "id"])
    op.create_index(
        "ix_entity_events_unsequenced",
        "entity_events",
        ["id"],
        postgresql_where=sa.text('"offset" IS NULL'),
    )
    op.create_index(
        "ix_entity_events_unpublished",
        "entity_events",
        ["offset"],
        postgresql_where=sa.text('"offset" IS NOT NULL AND published_at IS NULL'),
    )
    # Wake the sequencer as soon as a writer commits (NOTIFY is delivered on commit only).
    op.execute(
        """
        CREATE FUNCTION notify_entity_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('entity_events', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER entity_events_notify AFTER INSERT ON entity_events
            FOR EACH STATEMENT EXECUTE FUNCTION notify_entity_event();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS entity_events_notify ON entity_events")
    op.execute("DROP FUNCTION IF EXISTS notify_entity_event()")
    op.drop_table("entity_events")
    op.drop_table("users")
