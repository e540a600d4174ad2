"""Work around a call: call-back tasks closed by an answered call, the line's responsible
employee, the outcomes admins edit, and each call's wrap-up.

Revision ID: 0012_call_followups
Revises: 0011_notifications
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_call_followups"
down_revision: str | Sequence[str] | None = "0011_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UUID = postgresql.UUID(as_uuid=True)


def _lifecycle_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", _UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("created_by", _UUID, nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by", _UUID, nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", _UUID, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "call_outcomes",
        *_lifecycle_columns(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed("lower(name)", persisted=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_outcomes")),
    )
    op.create_index("ix_call_outcomes_created_at", "call_outcomes", ["created_at", "id"])
    op.create_index(
        "ix_call_outcomes_search_text",
        "call_outcomes",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    outcomes = sa.table("call_outcomes", sa.column("name"), sa.column("position"))
    op.bulk_insert(
        outcomes,
        [
            {"name": name, "position": i}
            for i, name in enumerate(
                # The product speaks Russian by default; admins rename or add their own.
                ("Заинтересован", "Перезвонить позже", "Не интересно", "Ошиблись номером")
            )
        ],
    )

    op.add_column("tasks", sa.Column("callback_number", sa.String(32), nullable=True))
    op.add_column("tasks", sa.Column("closed_reason", sa.String(500), nullable=True))
    # At most one open call-back task per number.
    op.create_index(
        "uq_tasks_open_callback_number",
        "tasks",
        ["callback_number"],
        unique=True,
        postgresql_where=sa.text(
            "callback_number IS NOT NULL AND deleted_at IS NULL"
            " AND status IN ('open', 'in_progress')"
        ),
    )

    op.add_column("phone_lines", sa.Column("responsible_id", _UUID, nullable=True))
    op.create_foreign_key(
        "fk_phone_lines_responsible_id_users",
        "phone_lines",
        "users",
        ["responsible_id"],
        ["id"],
        ondelete="SET NULL",
    )

    for column, table in (
        ("outcome_id", "call_outcomes"),
        ("deal_id", "deals"),
        ("wrap_up_note_id", "notes"),
        ("follow_up_task_id", "tasks"),
    ):
        op.add_column("calls", sa.Column(column, _UUID, nullable=True))
        op.create_foreign_key(
            f"fk_calls_{column}_{table}", "calls", table, [column], ["id"], ondelete="SET NULL"
        )
    op.add_column("calls", sa.Column("wrapped_up_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_calls_deal_id", "calls", ["deal_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_deal_id", table_name="calls")
    op.drop_column("calls", "wrapped_up_at")
    for column in ("follow_up_task_id", "wrap_up_note_id", "deal_id", "outcome_id"):
        op.drop_column("calls", column)
    op.drop_column("phone_lines", "responsible_id")
    op.drop_index("uq_tasks_open_callback_number", table_name="tasks")
    op.drop_column("tasks", "closed_reason")
    op.drop_column("tasks", "callback_number")
    op.drop_table("call_outcomes")
