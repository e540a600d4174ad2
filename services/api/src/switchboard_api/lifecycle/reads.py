"""The lifecycle's read side: one record (through the cache), list pages and history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import BadRequest, FieldError, NotFound
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.cursor import decode_cursor, encode_cursor
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.repository import LifecycleRepository, PageQuery, Row
from switchboard_api.lifecycle.schemas import HistoryEntry, HistoryPage, page_of
from switchboard_api.phones import phone_search_patterns
from switchboard_api.platform.unit_of_work import read_session


@dataclass(frozen=True, slots=True)
class ListParams:
    """What a client asked of a list route."""

    trashed: bool
    limit: int
    cursor: str | None
    sort: str | None
    q: str | None
    filters: dict[str, Any]


class LifecycleReader:
    """Reads of one entity type for one caller."""

    def __init__(
        self,
        entity: EntityType,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: RecordCache,
        principal: Principal,
        phone_region: str,
    ) -> None:
        self.entity = entity
        self.phone_region = phone_region
        self.sessionmaker = sessionmaker
        self.cache = cache
        self.principal = principal

    async def get_json(
        self, record_id: uuid.UUID, prefetched: list[bytes | None] | None = None
    ) -> tuple[int, bytes]:
        """(version, JSON) of a record, live or trashed: from Redis, else PostgreSQL
        (then cached unless a newer version has been written meanwhile).

        ``prefetched``: the record's cache fields if this request has already read them
        (with its session check, see ``record_prefetch``), saving a second round trip.
        """
        require(self.principal, self.entity.name, Action.READ)
        if self.entity.read_scope is not None:
            return await self._get_scoped(record_id)
        if prefetched is not None:
            cached = self.cache.entry(list(prefetched))
        else:
            cached = await self.cache.get(self.entity.name, record_id)
        if cached is not None:
            return cached
        async with read_session(self.sessionmaker) as session:
            row = await LifecycleRepository(session, self.entity).get(record_id)
        if row is None:
            raise NotFound(f"no {self.entity.name} record {record_id}")
        payload = msgspec.json.encode(to_read(self.entity, row))
        await self.cache.fill(self.entity.name, record_id, row["version"], payload)
        return row["version"], payload

    async def _get_scoped(self, record_id: uuid.UUID) -> tuple[int, bytes]:
        """A record of a type with a read scope: from PostgreSQL, checked for this caller."""
        async with read_session(self.sessionmaker) as session:
            row = await self._scoped_row(session, record_id)
        return row["version"], msgspec.json.encode(to_read(self.entity, row))

    async def _scoped_row(self, session: AsyncSession, record_id: uuid.UUID) -> Row:
        """The record if this caller may read it (404 otherwise, or the scope's 403)."""
        row = await LifecycleRepository(session, self.entity).get(record_id)
        if row is None:
            raise NotFound(f"no {self.entity.name} record {record_id}")
        if self.entity.read_scope is not None:
            await self.entity.read_scope.check(session, self.principal, row)
        return row

    def _sort(self, sort: str | None) -> tuple[str, bool]:
        sort = sort or self.entity.default_sort
        field, descending = sort.removeprefix("-"), sort.startswith("-")
        if field not in self.entity.sortable:
            allowed = ", ".join(self.entity.sortable)
            raise BadRequest(
                f"cannot sort by {field!r}",
                errors=[
                    FieldError(
                        field="sort", message=f"one of {allowed}, optionally with -", source="query"
                    )
                ],
            )
        return field, descending

    async def page(self, params: ListParams) -> msgspec.Struct:
        """One page of live (or trashed) records and the cursor of the next one."""
        require(self.principal, self.entity.name, Action.READ)
        _refuse_nul({"q": params.q, "cursor": params.cursor, **params.filters})
        field, descending = self._sort(params.sort)
        sort_key = ("-" if descending else "") + field
        after = None
        if params.cursor:
            column = self.entity.model.__table__.c[field]
            after = decode_cursor(params.cursor, sort_key, column.type.python_type)
        term = (params.q or "").strip().lower()
        scope = self.entity.read_scope
        phones = phone_search_patterns(term, self.phone_region) if term else []
        query = PageQuery(
            trashed=params.trashed,
            filters=params.filters,
            # A phone number is matched by its E.164 form (and as typed: "8000" in a title);
            # anything else as text, typos included.
            search=[*phones, term] if phones else [],
            similar_to=term if term and not phones else None,
            sort_field=field,
            descending=descending,
            after=after,
            limit=params.limit,
            scope=scope.conditions(self.principal) if scope is not None else (),
        )
        async with read_session(self.sessionmaker) as session:
            rows = await LifecycleRepository(session, self.entity).page(query)
        next_cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            last = rows[-1]
            next_cursor = encode_cursor(sort_key, msgspec.to_builtins(last[field]), last["id"])
        items = [to_read(self.entity, row) for row in rows]
        return page_of(self.entity.read, self.entity.label)(items=items, next_cursor=next_cursor)

    async def history(self, record_id: uuid.UUID, cursor: str | None, limit: int) -> HistoryPage:
        """The record's changes in order (live or trashed; a record deleted for good has no
        history left to show: 404)."""
        require(self.principal, self.entity.name, Action.READ)
        after_id = None
        if cursor:
            after_id = _history_cursor(cursor)
        async with read_session(self.sessionmaker) as session:
            await self._scoped_row(session, record_id)
            events = await LifecycleRepository(session, self.entity).history(
                record_id, after_id, limit
            )
        next_cursor = None
        if len(events) > limit:
            events = events[:limit]
            next_cursor = str(events[-1].id)
        items = [
            HistoryEntry(
                id=e.id,
                action=e.action,
                version=e.version,
                actor_id=e.actor_id,
                occurred_at=e.occurred_at,
                changes=e.changes,
            )
            for e in events
        ]
        return HistoryPage(items=items, next_cursor=next_cursor)


def _refuse_nul(values: dict[str, Any]) -> None:
    """PostgreSQL text cannot hold NUL characters: say which parameter has one (400)."""
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise BadRequest(
                f"{name} contains a NUL character",
                errors=[
                    FieldError(field=name, message="NUL characters are not allowed", source="query")
                ],
            )


def _history_cursor(cursor: str) -> int:
    if not cursor.isdigit() or len(cursor) > 18:
        raise BadRequest(
            "The cursor is not valid",
            errors=[
                FieldError(
                    field="cursor", message="not a cursor returned by this history", source="query"
                )
            ],
        )
    return int(cursor)
