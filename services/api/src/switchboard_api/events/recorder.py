"""Writing change events in the caller's transaction (the outbox's write side)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.events import repository
from switchboard_api.events.tracing import event_key
from switchboard_api.events.wake import mark_events_written

log = logging.getLogger("switchboard_api.events")


async def record_event(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    actor_id: uuid.UUID | None,
    version: int,
    changes: dict[str, Any],
    withheld: bool = False,
) -> None:
    """Insert one change event; it commits or rolls back with the change itself.

    ``changes`` maps each changed field to ``{"before": ..., "after": ...}`` (JSON values).
    The event gets its offset later, from the sequencer, once the transaction is visible
    (the session wakes it after the commit); a ``withheld`` one never does: it is the
    record's history only, neither in the feed nor published.
    """
    if not withheld:
        mark_events_written(session, event_key(entity_id, version))
    log.info(
        "%s %s %s version %d",
        entity_type,
        entity_id,
        action,
        version,
        extra={"entity_type": entity_type, "entity_id": str(entity_id), "action": action},
    )
    await repository.insert_event(
        session,
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "actor_id": actor_id,
            "version": version,
            "changes": changes,
            "withheld": withheld,
        },
    )
