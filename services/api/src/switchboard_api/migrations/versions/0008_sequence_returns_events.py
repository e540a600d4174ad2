"""The sequencing pass returns what the relay publishes of each event it numbered.

The worker's relay is handed a pass's events in-process and publishes them without reading
them back from the table (one round trip less per publish); it still reads the table after
a restart, or when another process's pass numbered offsets in between. Same lock, same
numbering, same NOTIFY as 0007; the result has more columns (so the function is replaced).

Revision ID: 0008_sequence_returns_events
Revises: 0007_sequence_function
Create Date: 2026-11-28
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0008_sequence_returns_events"
down_revision: str | Sequence[str] | None = "0007_sequence_function"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Lock key 7305001 and channel 'entity_events_sequenced' are SEQUENCER_LOCK and
# SEQUENCED_CHANNEL in switchboard_api.events.sequencer (a test checks they agree).
_FUNCTION = """
CREATE FUNCTION entity_events_sequence(batch integer)
RETURNS TABLE (
    seq bigint, delay_ms double precision, entity_type text, entity_id uuid,
    version integer, action text, actor_id uuid, fields text[]
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    top bigint;
    numbered bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7305001) THEN
        RETURN;  -- another pass is running; it is woken by the same commits
    END IF;
    -- A new snapshot per statement (VOLATILE): this one sees every earlier pass.
    SELECT coalesce(max(e."offset"), 0) INTO top FROM entity_events AS e;
    RETURN QUERY
    WITH todo AS (
        SELECT p.id, row_number() OVER (ORDER BY p.id) AS n
        FROM (
            SELECT e.id FROM entity_events AS e WHERE e."offset" IS NULL
            ORDER BY e.id LIMIT batch FOR UPDATE
        ) AS p
    ),
    done AS (
        UPDATE entity_events AS e SET "offset" = top + todo.n
        FROM todo
        WHERE e.id = todo.id
        RETURNING e."offset" AS o,
            extract(epoch FROM clock_timestamp() - e.occurred_at)::double precision * 1000,
            e.entity_type::text, e.entity_id, e.version::integer, e.action::text, e.actor_id,
            ARRAY(SELECT jsonb_object_keys(e.changes))
    )
    SELECT * FROM done ORDER BY o;
    GET DIAGNOSTICS numbered = ROW_COUNT;
    IF numbered > 0 THEN
        PERFORM pg_notify('entity_events_sequenced', (top + numbered)::text);
    END IF;
END $$
"""


def upgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS entity_events_sequence(integer)")
    op.execute(_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS entity_events_sequence(integer)")
    # 0007's function, as it was (loaded by path: alembic does not import these as a package)
    path = Path(__file__).with_name("0007_sequence_function.py")
    spec = importlib.util.spec_from_file_location("switchboard_migration_0007", path)
    assert spec is not None
    assert spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    previous.upgrade()
