"""The sequencing pass as one server-side function: one round trip instead of five.

A pass used to be BEGIN, the advisory lock, the numbering UPDATE, the NOTIFY and COMMIT,
each a round trip from the worker. ``entity_events_sequence(batch)`` does them all in the
one implicit transaction of a single call. It is VOLATILE, so under READ COMMITTED each
statement inside takes a new snapshot: the numbering statement runs after the lock is
held and sees every earlier pass's offsets (the invariant switchboard_api.events.sequencer
explains).

Revision ID: 0007_sequence_function
Revises: 0006_events_wake
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_sequence_function"
down_revision: str | Sequence[str] | None = "0006_events_wake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Lock key 7305001 and channel 'entity_events_sequenced' are SEQUENCER_LOCK and
    # SEQUENCED_CHANNEL in switchboard_api.events.sequencer (a test checks they agree).
    op.execute(
        """
        CREATE FUNCTION entity_events_sequence(batch integer)
        RETURNS TABLE (seq bigint, delay_ms double precision)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            seqs bigint[];
            delays double precision[];
        BEGIN
            IF NOT pg_try_advisory_xact_lock(7305001) THEN
                RETURN;  -- another pass is running; it is woken by the same commits
            END IF;
            WITH top AS (SELECT coalesce(max(e."offset"), 0) AS n FROM entity_events AS e),
            todo AS (
                SELECT p.id, row_number() OVER (ORDER BY p.id) AS n
                FROM (
                    SELECT e.id FROM entity_events AS e WHERE e."offset" IS NULL
                    ORDER BY e.id LIMIT batch FOR UPDATE
                ) AS p
            ),
            numbered AS (
                UPDATE entity_events AS e SET "offset" = top.n + todo.n
                FROM todo, top
                WHERE e.id = todo.id
                RETURNING e."offset" AS o,
                    extract(epoch FROM clock_timestamp() - e.occurred_at) * 1000 AS d
            )
            SELECT array_agg(o ORDER BY o), array_agg(d ORDER BY o) INTO seqs, delays
            FROM numbered;
            IF seqs IS NULL THEN
                RETURN;
            END IF;
            PERFORM pg_notify('entity_events_sequenced', seqs[array_upper(seqs, 1)]::text);
            RETURN QUERY SELECT * FROM unnest(seqs, delays);
        END $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS entity_events_sequence(integer)")
