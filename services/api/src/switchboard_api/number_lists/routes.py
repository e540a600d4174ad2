"""Number list routes: the generic lifecycle plus ``/{id}/entries``."""

from __future__ import annotations

import uuid

from litestar import Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.deps import lifecycle_reader, lifecycle_service
from switchboard_api.lifecycle.http import ETAG_HEADER, etag, parse_if_match, problems
from switchboard_api.lifecycle.routes import RECORD, Cursor, IfMatch, Limit, lifecycle_router
from switchboard_api.number_lists import service
from switchboard_api.number_lists.entity import NUMBER_LISTS
from switchboard_api.number_lists.schemas import (
    NumberListEntry,
    NumberListEntryCreate,
    NumberListEntryPage,
)
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork

ENTRIES = RECORD + "/entries"
NAME = NUMBER_LISTS.name


@get(
    ENTRIES,
    name="number_lists:entries",
    summary="List the entries of a number list",
    opt=entity_route(NAME, Action.READ),
    responses=problems(404),
)
async def list_entries(
    *,
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    record_id: FromPath[uuid.UUID],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> NumberListEntryPage:
    """A page of entries in number order."""
    reader = lifecycle_reader(NUMBER_LISTS, resources, principal)
    return await service.list_entries(reader, record_id, cursor, limit)


@post(
    ENTRIES,
    name="number_lists:add_entry",
    summary="Add a number to a list",
    status_code=HTTP_201_CREATED,
    opt=entity_route(NAME, Action.UPDATE),
    response_headers=[ETAG_HEADER],
    responses=problems(404, 409, 412, 413, 422),
)
async def add_entry(
    *,
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
    data: JSONBody[NumberListEntryCreate],
    if_match: IfMatch = None,
) -> Response[NumberListEntry]:
    """Add the number; the response's ETag is the list's new version."""
    lists = lifecycle_service(NUMBER_LISTS, resources, uow, principal)
    entry, saved = await service.add_entry(lists, record_id, parse_if_match(if_match), data)
    return Response(entry, status_code=HTTP_201_CREATED, headers={"ETag": etag(saved.version)})


@delete(
    ENTRIES + "/{entry_id:uuid}",
    name="number_lists:remove_entry",
    summary="Remove a number from a list",
    status_code=HTTP_204_NO_CONTENT,
    opt=entity_route(NAME, Action.UPDATE),
    response_headers=[ETAG_HEADER],
    responses=problems(404, 409, 412),
)
async def remove_entry(
    *,
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
    entry_id: FromPath[uuid.UUID],
    if_match: IfMatch = None,
) -> Response[None]:
    """Remove the entry; the response's ETag is the list's new version."""
    lists = lifecycle_service(NUMBER_LISTS, resources, uow, principal)
    saved = await service.remove_entry(lists, record_id, entry_id, parse_if_match(if_match))
    return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"ETag": etag(saved.version)})


def number_lists_router() -> Router:
    """Every number_lists route."""
    return lifecycle_router(NUMBER_LISTS, extra=[list_entries, add_entry, remove_entry])
