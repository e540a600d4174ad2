"""The route factory: the lifecycle's HTTP routes for one entity type.

Handlers are generated per type so OpenAPI shows each type's own schemas; they only
translate HTTP to the reader/service and back (no SQL, no rules).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from switchboard_api.auth.guards import PREFETCH, entity_route, principal_of
from switchboard_api.auth.middleware import prefetched_hash
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.sessions import HashRead
from switchboard_api.lifecycle.cache import FIELDS, RecordCache
from switchboard_api.lifecycle.deps import lifecycle_reader, lifecycle_service
from switchboard_api.lifecycle.fastpath import CACHED_RECORD
from switchboard_api.lifecycle.http import (
    ETAG_HEADER,
    LIST_LIMIT_MAX,
    LOCATION_HEADER,
    MAX_BODY_BYTES,
    etag,
    parse_if_match,
    problems,
)
from switchboard_api.lifecycle.reads import ListParams
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.schemas import HistoryPage, page_of
from switchboard_api.lifecycle.service import Saved
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork

RECORD = "/{record_id:str}"

IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", description="The ETag (version) the change is based on."),
]
Limit = Annotated[int, Parameter(ge=1, le=LIST_LIMIT_MAX, description="Page size.")]
Cursor = Annotated[
    str | None, Parameter(max_length=512, description="`next_cursor` of the previous page.")
]
Search = Annotated[
    str | None, Parameter(max_length=200, description="Search names, emails and phones.")
]


def _hints(fn: Callable[..., Any], **hints: Any) -> Callable[..., Any]:
    """Give a generated handler its concrete types (Litestar reads them for validation
    and OpenAPI)."""
    fn.__annotations__ = {**fn.__annotations__, **hints}
    return fn


def _json_body(schema: type[Any]) -> Any:
    """``JSONBody[schema]`` for a handler generated per entity type."""
    return JSONBody[schema]  # type: ignore[misc,valid-type]


def _saved_response(saved: Saved, status: int = HTTP_200_OK, **headers: str) -> Response[Any]:
    return Response(
        saved.record, status_code=status, headers={"ETag": etag(saved.version), **headers}
    )


def record_prefetch(entity_type: str) -> Callable[[dict[str, Any]], HashRead | None]:
    """``opt[PREFETCH]`` of GET by id: the record's cache entry is read in the session
    check's Redis round trip (nothing for an id that is not a UUID: that is a 400 later)."""

    def prefetch(path_params: dict[str, Any]) -> HashRead | None:
        try:
            record_id = uuid.UUID(str(path_params["record_id"]))
        except (KeyError, ValueError):
            return None
        return HashRead(RecordCache.key(entity_type, record_id), FIELDS)

    return prefetch


def _cached_read(entity: EntityType) -> dict[str, Any]:
    """The GET-by-id route's cache declarations: its cache entry prefetched with the session
    and its hits answered by the fast path; none for a type with a read scope (its records
    are read from PostgreSQL and checked for each caller)."""
    if entity.read_scope is not None:
        return {}
    return {PREFETCH: record_prefetch(entity.name), CACHED_RECORD: True}


def _list_signature(entity: EntityType, trashed: bool) -> inspect.Signature:
    sort_values = [s for f in entity.sortable for s in (f, f"-{f}")]
    sort_literal: Any = Literal[tuple(sort_values)]
    sort_type = Annotated[
        sort_literal | None, Parameter(description=f"Order; default {entity.default_sort}.")
    ]
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("principal", kw, annotation=NamedDependency[Principal]),
        inspect.Parameter("resources", kw, annotation=NamedDependency[Resources]),
        inspect.Parameter("limit", kw, annotation=Limit, default=50),
        inspect.Parameter("cursor", kw, annotation=Cursor, default=None),
        inspect.Parameter("sort", kw, annotation=sort_type, default=None),
    ]
    if entity.searchable:
        params.append(inspect.Parameter("q", kw, annotation=Search, default=None))
    if not trashed:
        for flt in entity.filters:
            optional: Any = flt.annotation | None
            annotation = Annotated[optional, Parameter(description=flt.description)]
            params.append(inspect.Parameter(flt.name, kw, annotation=annotation, default=None))
    return inspect.Signature(params)


def _list_handler(entity: EntityType, *, trashed: bool) -> Any:
    page_type = page_of(entity.read, entity.label)
    filter_names = [f.name for f in entity.filters]

    async def list_records(**kwargs: Any) -> Any:
        params = ListParams(
            trashed=trashed,
            limit=kwargs["limit"],
            cursor=kwargs["cursor"],
            sort=kwargs["sort"],
            q=kwargs.get("q"),
            filters={name: kwargs.get(name) for name in filter_names},
        )
        reader = lifecycle_reader(entity, kwargs["resources"], kwargs["principal"])
        return await reader.page(params)

    signature = _list_signature(entity, trashed)
    list_records.__signature__ = signature  # type: ignore[attr-defined]
    list_records.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        "return": page_type,
    }
    what = "in the trash" if trashed else "live"
    return get(
        "/trash" if trashed else "/",
        name=f"{entity.name}:{'list_trash' if trashed else 'list'}",
        summary=f"List {what} {entity.name}",
        description=f"A page of {what} {entity.name} records; follow `next_cursor` for more.",
        opt=entity_route(entity.name, Action.READ),
        responses=problems(),
    )(list_records)


def _record_handlers(entity: EntityType) -> list[Any]:
    name, read = entity.name, entity.read

    async def get_record(request: Request[Any, Any, Any], record_id: FromPath[uuid.UUID]) -> Any:
        # The busiest route takes the caller and the resources off the request, not through
        # dependency injection, which would cost more than the cached read itself.
        resources: Resources = request.app.state.resources
        reader = lifecycle_reader(entity, resources, principal_of(request))
        version, payload = await reader.get_json(record_id, prefetched_hash(request))
        return Response(payload, media_type="application/json", headers={"ETag": etag(version)})

    async def update_record(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
        record_id: FromPath[uuid.UUID],
        data: Any,
        if_match: IfMatch = None,
    ) -> Any:
        service = lifecycle_service(entity, resources, uow, principal)
        return _saved_response(await service.update(record_id, parse_if_match(if_match), data))

    async def trash_record(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
        record_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Any:
        service = lifecycle_service(entity, resources, uow, principal)
        return _saved_response(await service.trash(record_id, parse_if_match(if_match)))

    async def restore_record(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
        record_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Any:
        service = lifecycle_service(entity, resources, uow, principal)
        return _saved_response(await service.restore(record_id, parse_if_match(if_match)))

    async def purge_record(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
        record_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> None:
        service = lifecycle_service(entity, resources, uow, principal)
        await service.purge(record_id, parse_if_match(if_match))

    async def record_history(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        record_id: FromPath[uuid.UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> HistoryPage:
        return await lifecycle_reader(entity, resources, principal).history(
            record_id, cursor, limit
        )

    one = Response[read]  # type: ignore[valid-type]
    headers = [ETAG_HEADER]
    return [
        get(
            RECORD,
            name=f"{name}:get",
            summary=f"Get one {name} record (live or trashed)",
            opt=entity_route(entity.name, Action.READ, **_cached_read(entity)),
            response_headers=headers,
            responses=problems(404),
        )(_hints(get_record, **{"return": one})),
        patch(
            RECORD,
            name=f"{name}:update",
            summary=f"Change a {name} record (If-Match)",
            opt=entity_route(entity.name, Action.UPDATE),
            response_headers=headers,
            responses=problems(404, 409, 412, 413, 422, 428),
        )(_hints(update_record, data=_json_body(entity.update), **{"return": one})),
        delete(
            RECORD,
            name=f"{name}:trash",
            summary=f"Move a {name} record to the trash",
            status_code=HTTP_200_OK,
            opt=entity_route(entity.name, Action.TRASH),
            response_headers=headers,
            responses=problems(404, 409, 412),
        )(_hints(trash_record, **{"return": one})),
        post(
            RECORD + "/restore",
            name=f"{name}:restore",
            summary=f"Restore a {name} record from the trash",
            status_code=HTTP_200_OK,
            opt=entity_route(entity.name, Action.RESTORE),
            response_headers=headers,
            responses=problems(404, 409, 412),
        )(_hints(restore_record, **{"return": one})),
        delete(
            RECORD + "/permanent",
            name=f"{name}:purge",
            summary=f"Delete a trashed {name} record for good",
            status_code=HTTP_204_NO_CONTENT,
            opt=entity_route(entity.name, Action.PURGE),
            responses=problems(404, 409, 412),
        )(purge_record),
        get(
            RECORD + "/history",
            name=f"{name}:history",
            summary=f"History of a {name} record",
            opt=entity_route(entity.name, Action.READ),
            responses=problems(404),
        )(record_history),
    ]


def _create_handler(entity: EntityType) -> Any:
    async def create_record(
        *,
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
        data: Any,
    ) -> Any:
        saved = await lifecycle_service(entity, resources, uow, principal).create(data)
        location = f"/api/v1/{entity.name}/{saved.id}"
        return _saved_response(saved, HTTP_201_CREATED, Location=location)

    return post(
        "/",
        name=f"{entity.name}:create",
        summary=f"Create a {entity.name} record",
        status_code=HTTP_201_CREATED,
        opt=entity_route(entity.name, Action.CREATE),
        response_headers=[ETAG_HEADER, LOCATION_HEADER],
        responses=problems(409, 413, 422),
    )(_hints(create_record, data=_json_body(entity.create), **{"return": Response[entity.read]}))  # type: ignore[name-defined]


def lifecycle_router(
    entity: EntityType, extra: list[Any] | None = None, *, create: Any | None = None
) -> Router:
    """Every lifecycle route of ``entity`` under ``/v1/<name>`` (plus type-specific ones);
    ``create``: the type's own create route, if a new record is more than its fields."""
    return Router(
        path=f"/v1/{entity.name}",
        route_handlers=[
            _list_handler(entity, trashed=False),
            _list_handler(entity, trashed=True),
            create if create is not None else _create_handler(entity),
            *_record_handlers(entity),
            *(extra or []),
        ],
        tags=[entity.name],
        request_max_body_size=MAX_BODY_BYTES,
    )
