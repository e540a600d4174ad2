"""Notifications (per employee, read/unread, kinds switched off) and the indexes the activity
timeline and the due-time scan read along.

Revision ID: 0011_notifications
Revises: 0010_attachments
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_notifications"
down_revision: str | Sequence[str] | None = "0010_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("deleted_at IS NULL")
_OPEN_ASSIGNED = sa.text(
    "status IN ('open', 'in_progress') AND deleted_at IS NULL AND assignee_id IS NOT NULL"
)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("record_type", sa.String(32), nullable=True),
        sa.Column("record_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("source_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("actor_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),
    )
    op.create_index(
        "ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"]
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_index("ix_notifications_record", "notifications", ["record_id"])
    op.create_index("ix_notifications_source", "notifications", ["source_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "disabled_kinds",
            postgresql.ARRAY(sa.String(32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_notification_preferences_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_preferences"),
    )
    op.create_index(
        "ix_tasks_timeline",
        "tasks",
        ["related_type", "related_id", "created_at", "id"],
        postgresql_where=_LIVE,
    )
    op.create_index("ix_tasks_due_open", "tasks", ["due_at"], postgresql_where=_OPEN_ASSIGNED)
    op.create_index(
        "ix_notes_timeline",
        "notes",
        ["related_type", "related_id", "created_at", "id"],
        postgresql_where=_LIVE,
    )
    op.create_index(
        "ix_calls_timeline", "calls", ["contact_id", "created_at", "id"], postgresql_where=_LIVE
    )
    op.create_index(
        "ix_entity_events_timeline",
        "entity_events",
        ["entity_type", "entity_id", "occurred_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_entity_events_timeline", table_name="entity_events")
    op.drop_index("ix_calls_timeline", table_name="calls")
    op.drop_index("ix_notes_timeline", table_name="notes")
    op.drop_index("ix_tasks_due_open", table_name="tasks")
    op.drop_index("ix_tasks_timeline", table_name="tasks")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_source", table_name="notifications")
    op.drop_index("ix_notifications_record", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_table("notifications")
