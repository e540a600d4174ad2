"""Change events kept for a record's history only: ``entity_events.withheld``.

A file's writes while it is still pending (its start, a new upload form, its trash or
purge before it ever completed) are history, not news: the reads hide pending files, so
neither the channels nor the feed may show them. A withheld event never gets an offset (so
neither the feed nor the relay ever sees it); the sequencing pass and its index skip it.
Same function as 0008 otherwise. (A downgrade numbers, and so publishes, what was withheld.)

Revision ID: 0019_avatar_loose_ends
Revises: 0018_attachment_multipart
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0019_avatar_loose_ends"
down_revision: str | Sequence[str] | None = "0018_attachment_multipart"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = 'WHERE e."offset" IS NULL'


def _revision_0008() -> ModuleType:
    # Loaded by path: alembic does not import these as a package.
    path = Path(__file__).with_name("0008_sequence_returns_events.py")
    spec = importlib.util.spec_from_file_location("switchboard_migration_0008", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _function(*, skip_withheld: bool) -> str:
    """0008's pass function, numbering only events that are not withheld if asked."""
    function = str(_revision_0008()._FUNCTION)
    assert function.count(_PENDING) == 1
    return (
        function.replace(_PENDING, f"{_PENDING} AND NOT e.withheld") if skip_withheld else function
    )


def _unsequenced_index(where: str) -> None:
    op.drop_index("ix_entity_events_unsequenced", table_name="entity_events")
    op.create_index(
        "ix_entity_events_unsequenced",
        "entity_events",
        ["id"],
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column(
        "entity_events",
        sa.Column("withheld", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _unsequenced_index('"offset" IS NULL AND NOT withheld')
    op.execute("DROP FUNCTION IF EXISTS entity_events_sequence(integer)")
    op.execute(_function(skip_withheld=True))


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS entity_events_sequence(integer)")
    op.execute(_function(skip_withheld=False))
    _unsequenced_index('"offset" IS NULL')
    op.drop_column("entity_events", "withheld")
