"""Every SQL statement of the generic lifecycle; works on any registered entity's table."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from switchboard_api.db.events import EntityEvent
from switchboard_api.errors import Conflict, FieldError, InvalidInput
from switchboard_api.lifecycle.registry import EntityType


@dataclass(frozen=True, slots=True)
class PageQuery:
    """One list page: which state, filters, search, order and where to continue."""

    trashed: bool
    filters: Mapping[str, Any]
    search: Sequence[str]
    #: A term matched by trigram word similarity too (typos: "Сколова" finds "Соколова").
    similar_to: str | None
    sort_field: str
    descending: bool
    after: tuple[Any, uuid.UUID] | None
    limit: int
    #: The caller's read scope (see ``ReadScope``): more conditions, if the type has one.
    scope: Sequence[ColumnElement[bool]] = ()


Row = dict[str, Any]
"""A stored record as column name -> value."""


def _row(mapping: RowMapping | None) -> Row | None:
    return None if mapping is None else {str(k): v for k, v in mapping.items()}


def _assignments(table: Table, columns: tuple[str, ...]) -> dict[str, ColumnElement[Any]]:
    """SET clauses for ``columns`` (bound as ``set_<name>``, see :func:`_set_params`) and the
    version bump every write makes."""
    c = table.c
    assigned: dict[str, ColumnElement[Any]] = {
        name: bindparam(f"set_{name}", type_=c[name].type) for name in columns
    }
    assigned["version"] = c.version + 1
    return assigned


def _set_params(values: Mapping[str, Any], record_id: uuid.UUID) -> dict[str, Any]:
    """The parameters of a statement built with :func:`_assignments`."""
    params = {f"set_{name}": value for name, value in values.items()}
    params["record_id"] = record_id
    return params


@functools.lru_cache(maxsize=256)
def _update_if(table: Table, columns: tuple[str, ...], *, trashed: bool, versioned: bool) -> Update:
    # Built once per column set: a PATCH names few columns, and constructing the statement
    # (and its cache key) anew cost more CPU than executing it.
    c = table.c
    conditions = [
        c.id == bindparam("record_id"),
        c.deleted_at.is_not(None) if trashed else c.deleted_at.is_(None),
    ]
    if versioned:
        conditions.append(c.version == bindparam("expected_version"))
    return update(table).where(*conditions).values(_assignments(table, columns)).returning(*c)


#: Label prefix of the stored row's columns in :func:`_update_changed`'s result.
_WAS = "was__"


@functools.lru_cache(maxsize=256)
def _update_changed(table: Table, columns: tuple[str, ...], compared: tuple[str, ...]) -> Update:
    # The row as it was comes back from the same statement: joined with itself, read under
    # FOR UPDATE (so a concurrent writer's commit is waited for and re-read, not missed).
    c = table.c
    was = select(table).where(c.id == bindparam("record_id")).with_for_update().subquery("was")
    changes = [
        c[name].is_distinct_from(bindparam(f"set_{name}", type_=c[name].type)) for name in compared
    ]
    return (
        update(table)
        .where(
            c.id == bindparam("record_id"),
            c.id == was.c.id,
            c.deleted_at.is_(None),
            c.version == bindparam("expected_version"),
            or_(*changes),
        )
        .values(_assignments(table, columns))
        .returning(*(was.c[col.name].label(_WAS + col.name) for col in c), *c)
    )


@functools.cache
def _by_id(table: Table, *, lock: bool) -> Select[Any]:
    # Built once per table: the busiest read of every write, compiled from the cache.
    stmt = select(table).where(table.c.id == bindparam("record_id"))
    return stmt.with_for_update() if lock else stmt


def _filter_condition(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # a time without an offset is read as UTC
    if op == "similar":
        return text_matches(func.lower(column), str(value).strip().lower())
    if op == "contains":
        return column.contains([value])  # type: ignore[no-any-return]
    if op == "before":
        return column < value  # type: ignore[no-any-return]
    if op == "not_before":
        return column >= value  # type: ignore[no-any-return]
    return column == value  # type: ignore[no-any-return]


def like_pattern(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere (its wildcards escaped)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: Shorter terms are matched as substrings only: their few trigrams resemble too much.
SIMILARITY_MIN_LENGTH = 4


def text_matches(column: Any, term: str) -> ColumnElement[bool]:
    """``column`` holds ``term`` (lower-cased) as a substring or, for a word long enough and
    without digits, a word resembling it (pg_trgm's word similarity); both served by a
    trigram GIN index."""
    contains: ColumnElement[bool] = column.like(like_pattern(term))
    if len(term) < SIMILARITY_MIN_LENGTH or any(ch.isdigit() for ch in term):
        return contains  # typos in numbers and addresses are not what trigrams catch
    return or_(contains, column.op("%>")(term))


def _after(
    column: Any, id_column: Any, after: tuple[Any, uuid.UUID], descending: bool
) -> ColumnElement[bool]:
    """The rows that follow (value, id) in ``ORDER BY column [DESC], id [DESC]``.

    A nullable column sorts its NULLs where PostgreSQL puts them by default (last going up,
    first going down: the order its indexes hold), and a cursor may stand on a NULL. A
    plain tuple comparison would drop every NULL row (NULL compares to nothing)."""
    value, last_id = after
    if value is None:
        if descending:  # among the leading NULLs: the rest of them, then everything else
            return or_(and_(column.is_(None), id_column < last_id), column.is_not(None))
        return and_(column.is_(None), id_column > last_id)  # among the trailing NULLs
    key, bound = tuple_(column, id_column), tuple_(value, last_id)
    if descending:
        return key < bound  # the NULLs came first, all passed already
    if column.nullable:
        return or_(key > bound, column.is_(None))  # and the NULLs after everything
    return key > bound


class LifecycleRepository:
    """Queries over one entity type's table (and its events)."""

    def __init__(self, session: AsyncSession, entity: EntityType) -> None:
        self.session = session
        self.entity = entity
        table = entity.model.__table__
        assert isinstance(table, Table)
        self.table: Table = table

    async def get(self, record_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        """The record, live or trashed, or None; ``lock`` holds its row until commit."""
        stmt = _by_id(self.table, lock=lock)
        result = await self.session.execute(stmt, {"record_id": record_id})
        return _row(result.mappings().one_or_none())

    def _conditions(self, query: PageQuery) -> list[ColumnElement[bool]]:
        c = self.table.c
        conditions: list[ColumnElement[bool]] = [
            c.deleted_at.is_not(None) if query.trashed else c.deleted_at.is_(None)
        ]
        for flt in self.entity.filters:
            value = query.filters.get(flt.name)
            if value is None:
                continue
            conditions.append(_filter_condition(c[flt.column_name], flt.op, value))
        if query.search or query.similar_to:
            terms: list[ColumnElement[bool]] = [
                c.search_text.like(like_pattern(term)) for term in query.search
            ]
            if query.similar_to:
                terms.append(text_matches(c.search_text, query.similar_to))
            conditions.append(or_(*terms))
        conditions.extend(query.scope)
        if query.after is not None:
            conditions.append(_after(c[query.sort_field], c.id, query.after, query.descending))
        return conditions

    async def page(self, query: PageQuery) -> list[Row]:
        """Up to ``limit + 1`` rows (the extra one tells whether another page exists)."""
        column, id_column = self.table.c[query.sort_field], self.table.c.id
        order = (column.desc(), id_column.desc()) if query.descending else (column, id_column)
        stmt = (
            select(self.table)
            .where(and_(*self._conditions(query)))
            .order_by(*order)
            .limit(query.limit + 1)
        )
        return [dict(r) for r in (await self.session.execute(stmt)).mappings().all()]

    async def insert(self, values: Mapping[str, Any]) -> Row:
        """Insert a record and return it as stored."""
        stmt = insert(self.table).values(**values).returning(*self.table.c)
        row = await self._write(stmt)
        assert row is not None  # INSERT ... RETURNING always returns the row
        return row

    async def update_if(
        self,
        record_id: uuid.UUID,
        values: Mapping[str, Any],
        *,
        trashed: bool,
        version: int | None,
    ) -> Row | None:
        """One conditional UPDATE (bumping the version): only if the record is in the given
        state and, when ``version`` is given, still at that version. None if it was not."""
        stmt = _update_if(self.table, tuple(values), trashed=trashed, versioned=version is not None)
        params = _set_params(values, record_id)
        if version is not None:
            params["expected_version"] = version
        return await self._write(stmt, params)

    async def update_changed(
        self,
        record_id: uuid.UUID,
        values: Mapping[str, Any],
        *,
        compared: Sequence[str],
        version: int,
    ) -> tuple[Row, Row] | None:
        """One conditional UPDATE of a live record still at ``version`` that changes at
        least one of the ``compared`` fields (bumping the version); the row as it was and as
        it is now. None if nothing was written (gone, trashed, moved on, or no change)."""
        stmt = _update_changed(self.table, tuple(values), tuple(compared))
        params = {**_set_params(values, record_id), "expected_version": version}
        row = await self._write(stmt, params)
        if row is None:
            return None
        was = {name[len(_WAS) :]: value for name, value in row.items() if name.startswith(_WAS)}
        now = {name: value for name, value in row.items() if not name.startswith(_WAS)}
        return was, now

    async def delete_trashed(self, record_id: uuid.UUID, version: int) -> Row | None:
        """Delete the record for good if it is in the trash and at ``version``."""
        c = self.table.c
        conditions = [c.id == record_id, c.deleted_at.is_not(None), c.version == version]
        stmt = delete(self.table).where(*conditions).returning(*c)
        return await self._write(stmt)

    async def referencing(
        self,
        column: str,
        record_id: uuid.UUID,
        *,
        type_column: str | None = None,
        type_name: str = "",
    ) -> list[Row]:
        """The records (live or trashed) whose ``column`` refers to ``record_id``, locked
        (and, for a link to any type, whose ``type_column`` names ``type_name``)."""
        c = self.table.c
        match = c[column] == record_id
        if type_column is not None:
            match = match & (c[type_column] == type_name)
        stmt = select(self.table).where(match).order_by(c.id).with_for_update()
        return [dict(r) for r in (await self.session.execute(stmt)).mappings().all()]

    async def expired_trash(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        """Ids of records trashed before ``cutoff`` (oldest first), locked; rows another
        purge holds are skipped."""
        c = self.table.c
        stmt = (
            select(c.id)
            .where(c.deleted_at.is_not(None), c.deleted_at < cutoff)
            .order_by(c.deleted_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def history(
        self, record_id: uuid.UUID, after_id: int | None, limit: int
    ) -> list[EntityEvent]:
        """The record's events in the order they happened, after event ``after_id``."""
        stmt = select(EntityEvent).where(
            EntityEvent.entity_type == self.entity.name, EntityEvent.entity_id == record_id
        )
        if after_id is not None:
            stmt = stmt.where(EntityEvent.id > after_id)
        # Per record, event ids follow versions: each write holds the row lock until commit.
        stmt = stmt.order_by(EntityEvent.id).limit(limit + 1)
        return list((await self.session.execute(stmt)).scalars().all())

    async def _write(self, stmt: Any, params: Mapping[str, Any] | None = None) -> Row | None:
        try:
            result = await self.session.execute(stmt, params)
            return _row(result.mappings().one_or_none())
        except IntegrityError as exc:
            raise self._integrity_error(exc) from None
        except DataError as exc:
            # Values the schemas let through but PostgreSQL refuses (NUL characters in text,
            # numbers out of range): the client's input, so a 422, never a 500.
            raise InvalidInput(f"a value is not acceptable: {exc.orig}") from None

    def _constraint_fields(self, name: str | None) -> list[str]:
        for constraint in self.table.constraints:
            if constraint.name == name and isinstance(constraint, ColumnCollectionConstraint):
                return [column.name for column in constraint.columns] or ["body"]
        return ["body"]

    def _integrity_error(self, exc: IntegrityError) -> Exception:
        cause = getattr(exc.orig, "__cause__", None)
        name = getattr(cause, "constraint_name", None)
        sqlstate = getattr(cause, "sqlstate", None)
        fields = self._constraint_fields(name)
        if sqlstate == "23505":  # unique_violation
            return Conflict(
                f"another {self.entity.name} record already has this {', '.join(fields)}",
                errors=[FieldError(field=f, message="already taken") for f in fields],
            )
        if sqlstate == "23503":  # foreign_key_violation
            return InvalidInput(
                "a referenced record does not exist",
                errors=[FieldError(field=f, message="no such record") for f in fields],
            )
        return InvalidInput(
            f"the value is not allowed ({name})",
            errors=[FieldError(field=f, message="not allowed") for f in fields],
        )
