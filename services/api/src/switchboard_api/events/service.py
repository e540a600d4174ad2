"""The events feed: what a caller may see after an offset."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.auth.permissions import MATRIX, Action, Role, can
from switchboard_api.auth.principal import Principal
from switchboard_api.db.events import EntityEvent
from switchboard_api.events import repository
from switchboard_api.events.schemas import Event, EventPage, FieldChange

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def readable_types(role: str) -> list[str]:
    """The entity types whose events ``role`` may see (those it may read)."""
    try:
        types = MATRIX[Role(role)]
    except ValueError:
        return []
    return sorted(t for t in types if can(role, t, Action.READ))


def _changes(raw: object) -> dict[str, FieldChange]:
    # Tolerant on purpose: a malformed stored entry must not break the whole feed.
    if not isinstance(raw, dict):
        return {}
    return {
        str(name): FieldChange(before=value.get("before"), after=value.get("after"))
        if isinstance(value, dict)
        else FieldChange(after=value)
        for name, value in raw.items()
    }


def to_event(row: EntityEvent) -> Event:
    """The feed's view of one stored event."""
    assert row.offset is not None  # only sequenced rows are ever read here
    return Event(
        offset=row.offset,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        action=row.action,
        actor_id=row.actor_id,
        version=row.version,
        changes=_changes(row.changes),
        occurred_at=row.occurred_at,
    )


async def events_after(
    session: AsyncSession, principal: Principal, *, after: int, limit: int
) -> EventPage:
    """One page of the events ``principal`` may see with an offset above ``after``."""
    limit = min(limit, MAX_LIMIT)
    types = readable_types(principal.role)
    head = await repository.head(session)
    rows = await repository.visible_after(session, after=after, types=types, limit=limit + 1)
    events = [to_event(row) for row in rows[:limit]]
    return EventPage(
        events=events,
        next_after=events[-1].offset if events else after,
        has_more=len(rows) > limit,
        head=max(head, events[-1].offset if events else 0),
    )
