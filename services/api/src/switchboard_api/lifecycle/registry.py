"""What the generic lifecycle needs to know about one entity type, in one value."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.auth.principal import Principal
from switchboard_api.db.base import Base
from switchboard_api.settings import ApiSettings

if TYPE_CHECKING:
    from switchboard_api.platform.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Filter:
    """A query parameter of the list route that narrows the records by one column."""

    name: str
    annotation: Any
    description: str
    column: str | None = None
    #: ``eq``: equal; ``contains``: an array column holds the value; ``before``: the
    #: column is earlier than the value; ``not_before``: at or after it (time ranges);
    #: ``similar``: the text column holds the value or a word resembling it (as you type).
    op: Literal["eq", "contains", "before", "not_before", "similar"] = "eq"

    @property
    def column_name(self) -> str:
        """The filtered column (the parameter's name unless said otherwise)."""
        return self.column or self.name


@dataclass(frozen=True, slots=True)
class WriteContext:
    """What a type's ``prepare`` hook may consult: who writes, the settings, and the stored
    record for an update (``None`` on create)."""

    principal: Principal
    settings: ApiSettings
    current: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A new version of a record (or a new record), inside the transaction that wrote it: what a type's
    ``on_written`` hook may act on (more writes in ``uow``, after-commit effects on it)."""

    action: str  # "created", "updated", "trashed", "restored"
    before: Mapping[str, Any]  # the stored row as it was (every column; empty if created)
    after: Mapping[str, Any]  # the stored row as written
    actor: uuid.UUID | None  # who made the change (None: the system)
    actor_session: str | None  # the session they made it from, if any
    uow: UnitOfWork


@dataclass(frozen=True, slots=True)
class ReadScope:
    """Which records of a type a caller may read beyond the type's permission, for types
    whose records are read through another record (files through their parent). A type
    with a scope is never answered from the record cache: the scope may depend on rows the
    cached record does not carry (a parent moved to the trash)."""

    #: Conditions every list page (live and trash) adds for this caller.
    conditions: Callable[[Principal], list[ColumnElement[bool]]]
    #: Refuses one stored record to this caller (an AppError: 404 or 403).
    check: Callable[[AsyncSession, Principal, Mapping[str, Any]], Awaitable[None]]


PrepareHook = Callable[[dict[str, Any], WriteContext], dict[str, Any]]
GuardHook = Callable[[str, Mapping[str, Any], Principal], None]
"""Refuses (raising an AppError) a lifecycle move -- ``trash``, ``restore`` or ``purge`` --
of the given stored record by the given caller."""
"""Validates and normalizes incoming column values (raising InvalidInput naming the field)
and derives stored-only columns; returns the values to write."""


@dataclass(frozen=True, slots=True)
class EntityType:
    """One entity type: its table, its schemas and what its list route may filter and sort on.

    ``read`` ignores unknown fields (rows carry stored-only columns); ``create`` and ``update``
    forbid them. ``redacted`` columns are never returned nor written into events.
    ``on_change`` is called in the transaction that writes a record (created, changed,
    moved or purged) to queue what must follow once it commits (caches to drop, jobs).
    ``stored_objects`` names the S3 objects a purge deletes with the record.
    """

    name: str
    model: type[Base]
    read: type[msgspec.Struct]
    create: type[msgspec.Struct]
    update: type[msgspec.Struct]
    sortable: tuple[str, ...] = ("created_at", "updated_at")
    default_sort: str = "-created_at"
    filters: tuple[Filter, ...] = ()
    searchable: bool = True
    prepare: PrepareHook | None = None
    #: Whether ``prepare`` consults ``ctx.current`` on an update. If not, an update does not
    #: read the record before writing it (one round trip less; see LifecycleService.update).
    prepare_reads_current: bool = True
    to_output: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    redacted: frozenset[str] = frozenset()
    on_change: Callable[[UnitOfWork, uuid.UUID], None] | None = None
    guard: GuardHook | None = None
    #: Runs in the write's transaction after each new version of a record (its first too).
    on_written: Callable[[RecordChange], Awaitable[None]] | None = None
    #: The S3 keys a stored record owns (recordings, files): deleted with it for good.
    stored_objects: Callable[[Mapping[str, Any]], list[str]] | None = None
    #: Narrows what callers may read of this type (lists, one record, its history).
    read_scope: ReadScope | None = None
    #: Whether a change leaving a record as this row (the deleted row, for a purge) is news:
    #: published on its channels and in the events feed. Otherwise its event is kept for the
    #: record's history only (a file before its upload completes, which reads hide too).
    announced: Callable[[Mapping[str, Any]], bool] | None = None

    @property
    def label(self) -> str:
        """A CamelCase name for generated schema names (``number_lists`` -> ``NumberLists``)."""
        return "".join(part.capitalize() for part in self.name.split("_"))
