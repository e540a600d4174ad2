"""``GET /api/v1/events``: the change feed clients replay after being away."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter

from switchboard_api.auth.guards import AUTHENTICATED
from switchboard_api.auth.principal import Principal
from switchboard_api.events import service
from switchboard_api.events.schemas import EventPage
from switchboard_api.platform.unit_of_work import UnitOfWork

MAX_OFFSET = 2**63 - 1  # offsets are bigint


@get(
    "/v1/events",
    summary="Change events after an offset",
    description=(
        "Events the caller may read, with an offset above `after`, in offset order. Offsets "
        "only grow in the order events become visible, so a client that stores the last "
        "offset it applied and asks again with `after=<that offset>` (deduplicating by "
        "offset) misses nothing. Page on with `after=next_after` while `has_more`."
    ),
    tags=["events"],
    opt=AUTHENTICATED,  # every employee; the feed itself filters by what the role may read
)
async def list_events(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    after: Annotated[
        int, Parameter(ge=0, le=MAX_OFFSET, description="Return events with a larger offset.")
    ] = 0,
    limit: Annotated[
        int,
        Parameter(
            ge=1,
            description=f"Page size; values above {service.MAX_LIMIT} are capped to it.",
        ),
    ] = service.DEFAULT_LIMIT,
) -> EventPage:
    """One page of the caller's event feed."""
    return await service.events_after(uow.session, principal, after=after, limit=limit)
