"""Entities: contacts, deals, tasks, notes, number lists (+ entries); search on users.

Revision ID: 0003_entities
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_entities"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
TEXT_ARRAY = postgresql.ARRAY(sa.Text())


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


def _owner_fk(column: str, table: str, target: str = "users") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="SET NULL"
    )


def _contacts() -> None:
    op.create_table(
        "contacts",
        *_lifecycle_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=True),
        sa.Column("job_title", sa.String(200), nullable=True),
        sa.Column("emails", TEXT_ARRAY, nullable=False, server_default=sa.text("'{}'")),
        sa.Column(
            "phones", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")
        ),
        sa.Column("phone_numbers", TEXT_ARRAY, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("owner_id", UUID, nullable=True),
        sa.Column("tags", TEXT_ARRAY, nullable=False, server_default=sa.text("'{}'")),
        sa.Column(
            "attributes", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        _search_text(
            "name || ' ' || coalesce(company, '') || ' ' || sb_search_join(emails) || ' '"
            " || sb_search_join(phone_numbers)"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        _owner_fk("owner_id", "contacts"),
    )
    _search_index("contacts")
    op.create_index(
        "ix_contacts_phone_numbers", "contacts", ["phone_numbers"], postgresql_using="gin"
    )
    op.create_index("ix_contacts_tags", "contacts", ["tags"], postgresql_using="gin")
    op.create_index("ix_contacts_owner_id", "contacts", ["owner_id"])
    op.create_index("ix_contacts_created_at", "contacts", ["created_at", "id"])


def _deals() -> None:
    op.create_table(
        "deals",
        *_lifecycle_columns(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("contact_id", UUID, nullable=True),
        sa.Column("owner_id", UUID, nullable=True),
        sa.Column("stage", sa.String(16), nullable=False, server_default=sa.text("'new'")),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False, server_default=sa.text("0")),
        sa.Column("currency", sa.String(3), nullable=False, server_default=sa.text("'RUB'")),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        _search_text("title"),
        sa.PrimaryKeyConstraint("id", name="pk_deals"),
        _owner_fk("contact_id", "deals", "contacts"),
        _owner_fk("owner_id", "deals"),
        sa.CheckConstraint(
            "stage IN ('new', 'qualified', 'proposal', 'won', 'lost')", name="ck_deals_stage"
        ),
    )
    _search_index("deals")
    op.create_index("ix_deals_contact_id", "deals", ["contact_id"])
    op.create_index("ix_deals_owner_id", "deals", ["owner_id"])
    op.create_index("ix_deals_created_at", "deals", ["created_at", "id"])


def _tasks() -> None:
    op.create_table(
        "tasks",
        *_lifecycle_columns(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", UUID, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
        sa.Column("priority", sa.String(16), nullable=False, server_default=sa.text("'normal'")),
        sa.Column("related_type", sa.String(32), nullable=True),
        sa.Column("related_id", UUID, nullable=True),
        _search_text("title || ' ' || coalesce(description, '')"),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        _owner_fk("assignee_id", "tasks"),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'done', 'cancelled')", name="ck_tasks_status"
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high', 'urgent')", name="ck_tasks_priority"
        ),
    )
    _search_index("tasks")
    op.create_index("ix_tasks_assignee_id", "tasks", ["assignee_id"])
    op.create_index("ix_tasks_related", "tasks", ["related_type", "related_id"])
    op.create_index("ix_tasks_created_at", "tasks", ["created_at", "id"])


def _notes() -> None:
    op.create_table(
        "notes",
        *_lifecycle_columns(),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", UUID, nullable=True),
        sa.Column("related_type", sa.String(32), nullable=True),
        sa.Column("related_id", UUID, nullable=True),
        _search_text("body"),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        _owner_fk("author_id", "notes"),
    )
    _search_index("notes")
    op.create_index("ix_notes_author_id", "notes", ["author_id"])
    op.create_index("ix_notes_related", "notes", ["related_type", "related_id"])
    op.create_index("ix_notes_created_at", "notes", ["created_at", "id"])


def _number_lists() -> None:
    op.create_table(
        "number_lists",
        *_lifecycle_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'custom'")),
        sa.Column("description", sa.String(2000), nullable=True),
        _search_text("name || ' ' || coalesce(description, '')"),
        sa.PrimaryKeyConstraint("id", name="pk_number_lists"),
    )
    _search_index("number_lists")
    op.create_index("ix_number_lists_created_at", "number_lists", ["created_at", "id"])
    op.create_table(
        "number_list_entries",
        sa.Column("id", UUID, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("list_id", UUID, nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("comment", sa.String(500), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", UUID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_number_list_entries"),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["number_lists.id"],
            name="fk_number_list_entries_list_id_number_lists",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("list_id", "number", name="uq_number_list_entries_number"),
    )


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION sb_search_join(text[]) RETURNS text LANGUAGE sql IMMUTABLE"
        " PARALLEL SAFE AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$"
    )
    op.add_column("users", _search_text("full_name || ' ' || email::text"))
    _search_index("users")
    _contacts()
    _deals()
    _tasks()
    _notes()
    _number_lists()


def downgrade() -> None:
    for table in ("number_list_entries", "number_lists", "notes", "tasks", "deals", "contacts"):
        op.drop_table(table)
    op.drop_index("ix_users_search_text", table_name="users")
    op.drop_column("users", "search_text")
    op.execute("DROP FUNCTION sb_search_join(text[])")
