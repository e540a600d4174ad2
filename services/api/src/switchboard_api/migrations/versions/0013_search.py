"""Search: the contacts' company matched as you type (substrings and typos), and calls found
by the start of either number (a phone prefix over a million calls, from a B-tree).

Revision ID: 0013_search
Revises: 0012_call_followups
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_search"
down_revision: str | Sequence[str] | None = "0012_call_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contacts_company_trgm",
        "contacts",
        [sa.text("lower(company) gin_trgm_ops")],
        postgresql_using="gin",
    )
    # text_pattern_ops: LIKE 'prefix%' uses the index whatever the database's collation.
    for column in ("from_number", "to_number"):
        op.create_index(
            f"ix_calls_{column}_prefix",
            "calls",
            [sa.text(f"{column} text_pattern_ops")],
        )


def downgrade() -> None:
    op.drop_index("ix_calls_to_number_prefix", table_name="calls")
    op.drop_index("ix_calls_from_number_prefix", table_name="calls")
    op.drop_index("ix_contacts_company_trgm", table_name="contacts")
