"""Drop the NOTIFY trigger on entity_events: the committing process wakes the sequencer.

PostgreSQL serialises the commits of all transactions that issued NOTIFY (one lock on the
notification queue, held through the commit's WAL flush), so the trigger made every API
write wait for the previous one's fsync. Writers now publish a Redis message after their
commit (switchboard_api.events.wake) and the sequencer subscribes to it.

Revision ID: 0006_events_wake
Revises: 0005_telephony
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_events_wake"
down_revision: str | Sequence[str] | None = "0005_telephony"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS entity_events_notify ON entity_events")
    op.execute("DROP FUNCTION IF EXISTS notify_entity_event()")


def downgrade() -> None:
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
