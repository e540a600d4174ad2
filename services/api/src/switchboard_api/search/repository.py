"""The queries of the search box: one per type, each served by the type's indexes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, cast, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from switchboard_api.db.calls import Call
from switchboard_api.db.contacts import Contact
from switchboard_api.db.deals import Deal
from switchboard_api.db.notes import Note
from switchboard_api.db.tasks import Task
from switchboard_api.db.users import User
from switchboard_api.lifecycle.repository import like_pattern, text_matches
from switchboard_api.search.schemas import SearchedType

#: Matching rows looked at per type before ranking: bounds the work of a vague term over a
#: million rows (the best of the first few hundred are shown, the rest are a refinement away).
CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """A search box's text: lower-cased, and the phone patterns it stands for (if any)."""

    text: str
    #: E.164 prefixes (``+7916123``) or digit runs (``12345``); empty if not a number.
    phones: Sequence[str]


@dataclass(frozen=True, slots=True)
class _Shown:
    """How one type's rows are shown: the hit's columns as SQL expressions."""

    title: Callable[[Table], ColumnElement[Any]]
    subtitle: Callable[[Table], ColumnElement[Any]]
    status: Callable[[Table], ColumnElement[Any]]
    at: Callable[[Table], ColumnElement[Any]]
    #: Number columns a ``+`` prefix is looked up in directly (B-tree, text_pattern_ops).
    number_columns: tuple[str, ...] = ()


def _none(_: Table) -> ColumnElement[Any]:
    return literal(None)


def _first(column: Any) -> ColumnElement[Any]:
    return column[1]  # type: ignore[no-any-return]  # PostgreSQL arrays count from 1


_SHOWN: dict[SearchedType, tuple[Table, _Shown]] = {
    "contacts": (
        Contact.__table__,  # type: ignore[dict-item]
        _Shown(
            title=lambda t: t.c.name,
            subtitle=lambda t: func.nullif(
                func.concat_ws(" · ", t.c.company, _first(t.c.phone_numbers), _first(t.c.emails)),
                "",
            ),
            status=_none,
            at=_none,
        ),
    ),
    "deals": (
        Deal.__table__,  # type: ignore[dict-item]
        _Shown(
            title=lambda t: t.c.title,
            subtitle=lambda t: func.concat_ws(" ", cast(t.c.amount, Text), t.c.currency),
            status=lambda t: t.c.stage,
            at=_none,
        ),
    ),
    "tasks": (
        Task.__table__,  # type: ignore[dict-item]
        _Shown(
            title=lambda t: t.c.title,
            subtitle=lambda t: func.left(t.c.description, 120),
            status=lambda t: t.c.status,
            at=lambda t: t.c.due_at,
        ),
    ),
    "notes": (
        Note.__table__,  # type: ignore[dict-item]
        _Shown(title=lambda t: func.left(t.c.body, 120), subtitle=_none, status=_none, at=_none),
    ),
    "calls": (
        Call.__table__,  # type: ignore[dict-item]
        _Shown(
            title=lambda t: func.concat_ws(
                " → ",
                func.coalesce(t.c.from_number, t.c.from_extension),
                func.coalesce(t.c.to_number, t.c.to_extension),
            ),
            subtitle=lambda t: func.left(t.c.summary, 120),
            status=lambda t: t.c.status,
            at=lambda t: t.c.started_at,
            number_columns=("from_number", "to_number"),
        ),
    ),
    "users": (
        User.__table__,  # type: ignore[dict-item]
        _Shown(
            title=lambda t: t.c.full_name,
            subtitle=lambda t: cast(t.c.email, Text),
            status=lambda t: t.c.role,
            at=_none,
        ),
    ),
}


def _matches(table: Table, shown: _Shown, terms: SearchTerms) -> ColumnElement[bool]:
    """The type's rows the terms find: a number by its E.164 form (and as typed, "8000" in
    a title), anything else as text with typos tolerated.

    A type with number columns (a million calls) is searched only through their B-tree
    prefixes and its text by substring: a trigram scan of digits or of a similar word
    there would read a large part of the table."""
    search_text = table.c.search_text
    if shown.number_columns:
        if not terms.phones:
            return search_text.like(like_pattern(terms.text))
        prefixes = [like_pattern(p)[1:] for p in terms.phones if p.startswith("+")]
        return or_(*(table.c[name].like(p) for p in prefixes for name in shown.number_columns))
    if not terms.phones:
        return text_matches(search_text, terms.text)
    found = [search_text.like(like_pattern(t)) for t in (terms.text, *terms.phones)]
    return or_(*found)


class SearchRepository:
    """Finds live records of each type by a search box's text."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def prefer_indexes(self) -> None:
        """Keep the planner on the indexes for the rest of the transaction.

        With a LIMIT, it would otherwise scan a table hoping to meet enough matches early;
        for a term with few or no matches (a typo, a number) that reads every row of a
        million calls, where the trigram and prefix indexes answer in milliseconds."""
        await self.session.execute(text("SET LOCAL enable_seqscan = off"))

    async def find(
        self, kind: SearchedType, terms: SearchTerms, limit: int
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` live records of ``kind``, the closest to the text first."""
        table, shown = _SHOWN[kind]
        candidates = (
            select(table.c.id, table.c.search_text, table.c.updated_at)
            .where(table.c.deleted_at.is_(None), _matches(table, shown, terms))
            .limit(CANDIDATES)
            .subquery("candidates")
        )
        closeness = func.word_similarity(terms.text, candidates.c.search_text)
        stmt = (
            select(
                table.c.id,
                shown.title(table).label("title"),
                shown.subtitle(table).label("subtitle"),
                shown.status(table).label("status"),
                shown.at(table).label("at"),
            )
            .join(candidates, candidates.c.id == table.c.id)
            .order_by(closeness.desc(), candidates.c.updated_at.desc(), table.c.id)
            .limit(limit)
        )
        result = await self.session.execute(stmt)
        return [dict(row) for row in result.mappings().all()]
