"""``GET /api/v1/{contacts,deals}/{id}/timeline``: translate HTTP to the timeline reader."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.http import LIST_LIMIT_MAX, problems
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.platform.resources import Resources
from switchboard_api.timeline.schemas import Kind, TimelinePage
from switchboard_api.timeline.service import TimelineReader

Kinds = Annotated[
    list[Kind] | None,
    Parameter(description="Only these kinds (repeat the parameter for several); default all."),
]
Limit = Annotated[int, Parameter(ge=1, le=LIST_LIMIT_MAX, description="Page size.")]
Cursor = Annotated[
    str | None, Parameter(max_length=512, description="`next_cursor` of the previous page.")
]


def timeline_handler(entity: EntityType) -> Any:
    """The timeline route of one entity type (mounted in its lifecycle router)."""

    async def record_timeline(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        record_id: FromPath[uuid.UUID],
        kind: Kinds = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> TimelinePage:
        reader = TimelineReader(resources.sessionmaker, principal)
        return await reader.page(entity, record_id, kinds=kind, cursor=cursor, limit=limit)

    return get(
        "/{record_id:str}/timeline",
        name=f"{entity.name}:timeline",
        summary=f"Activity timeline of a {entity.name} record",
        description="Calls (with their recordings), notes, tasks and changes, newest first; "
        "only the kinds the caller may read. A deal's calls are those with its contact since "
        "the deal was opened.",
        opt=entity_route(entity.name, Action.READ),
        responses=problems(403, 404),
    )(record_timeline)
