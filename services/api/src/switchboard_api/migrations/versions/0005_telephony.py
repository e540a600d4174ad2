"""Telephony: phone lines, calls, raw provider events, PBX member links.

Revision ID: 0005_telephony
Revises: 0002_auth, 0003_entities
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_telephony"
down_revision: str | Sequence[str] | None = ("0002_auth", "0003_entities")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
CALL_DIRECTIONS = ("inbound", "outbound", "internal")
CALL_STATUSES = ("ringing", "in_progress", "completed", "missed", "failed")
RECORDING_STATUSES = ("none", "pending", "stored", "failed")


def _lifecycle_columns() -> list[sa.Column[object]]:
    # Same shape as 0001's helper (kept local: migrations must not change under history).
    return [
        sa.Column("id", UUID, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", UUID, nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", UUID, nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", UUID, nullable=True),
    ]


def _search_text(expression: str) -> sa.Column[object]:
    return sa.Column(
        "search_text",
        sa.Text(),
        sa.Computed(f"lower({expression})", persisted=True),
        nullable=False,
    )


def _search_index(table: str) -> None:
    op.create_index(
        f"ix_{table}_search_text",
        table,
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def upgrade() -> None:
    op.create_table(
        "phone_lines",
        *_lifecycle_columns(),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("provider_line_id", sa.BigInteger(), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("schema_name", sa.String(200), nullable=True),
        sa.Column("comment", sa.String(500), nullable=True),
        _search_text("number || ' ' || coalesce(name, '')"),
        sa.PrimaryKeyConstraint("id", name="pk_phone_lines"),
        sa.UniqueConstraint("number", name="uq_phone_lines_number"),
        sa.UniqueConstraint("provider", "provider_line_id", name="uq_phone_lines_provider_line_id"),
    )
    _search_index("phone_lines")
    op.create_index("ix_phone_lines_created_at", "phone_lines", ["created_at", "id"])

    op.create_table(
        "calls",
        *_lifecycle_columns(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_call_id", sa.String(128), nullable=True),
        sa.Column("command_id", sa.String(128), nullable=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("from_number", sa.String(32), nullable=True),
        sa.Column("to_number", sa.String(32), nullable=True),
        sa.Column("from_extension", sa.String(16), nullable=True),
        sa.Column("to_extension", sa.String(16), nullable=True),
        sa.Column("line_number", sa.String(32), nullable=True),
        sa.Column("phone_line_id", UUID, nullable=True),
        sa.Column("contact_id", UUID, nullable=True),
        sa.Column("employee_id", UUID, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("disconnect_reason", sa.Integer(), nullable=True),
        sa.Column("recording_id", sa.String(128), nullable=True),
        sa.Column(
            "recording_status", sa.String(16), nullable=False, server_default=sa.text("'none'")
        ),
        sa.Column("recording_key", sa.String(300), nullable=True),
        sa.Column("recording_size", sa.BigInteger(), nullable=True),
        sa.Column("recording_content_type", sa.String(100), nullable=True),
        sa.Column("recording_duration", sa.Float(), nullable=True),
        sa.Column("summary", sa.String(2000), nullable=True),
        _search_text(
            "coalesce(summary, '') || ' ' || coalesce(from_number, '') || ' '"
            " || coalesce(to_number, '') || ' '"
            " || coalesce(from_extension, '') || ' ' || coalesce(to_extension, '')"
            " || ' ' || coalesce(line_number, '')"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("provider", "provider_call_id", name="uq_calls_provider_call_id"),
        sa.UniqueConstraint("provider", "command_id", name="uq_calls_command_id"),
        sa.CheckConstraint(f"direction IN {CALL_DIRECTIONS!r}", name="ck_calls_direction"),
        sa.CheckConstraint(f"status IN {CALL_STATUSES!r}", name="ck_calls_status"),
        sa.CheckConstraint(
            f"recording_status IN {RECORDING_STATUSES!r}", name="ck_calls_recording_status"
        ),
        sa.ForeignKeyConstraint(
            ["phone_line_id"],
            ["phone_lines.id"],
            name="fk_calls_phone_line_id_phone_lines",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name="fk_calls_contact_id_contacts",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["users.id"], name="fk_calls_employee_id_users", ondelete="SET NULL"
        ),
    )
    _search_index("calls")
    op.create_index("ix_calls_created_at", "calls", ["created_at", "id"])
    op.create_index("ix_calls_started_at", "calls", ["started_at", "id"])
    op.create_index("ix_calls_recording_id", "calls", ["provider", "recording_id"])
    op.create_index("ix_calls_contact_id", "calls", ["contact_id"])
    op.create_index("ix_calls_employee_id", "calls", ["employee_id"])

    op.create_table(
        "telephony_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(400), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=True),
        sa.Column("command_id", sa.String(128), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_telephony_events"),
        sa.UniqueConstraint("provider", "dedupe_key", name="uq_telephony_events_dedupe_key"),
    )
    op.create_index("ix_telephony_events_entry", "telephony_events", ["provider", "entry_id"])
    op.create_index("ix_telephony_events_command", "telephony_events", ["provider", "command_id"])

    op.create_table(
        "pbx_members",
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_user_id", sa.BigInteger(), nullable=False),
        sa.Column("extension", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column(
            "synced_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_pbx_members"),
        sa.UniqueConstraint("provider", "provider_user_id", name="uq_pbx_members_pid"),
    )


def downgrade() -> None:
    op.drop_table("pbx_members")
    op.drop_table("telephony_events")
    op.drop_table("calls")
    op.drop_table("phone_lines")
