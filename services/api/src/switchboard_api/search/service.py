"""Search across every type the caller may read, from one box."""

from __future__ import annotations

from typing import get_args

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.permissions import Action, can
from switchboard_api.auth.principal import Principal
from switchboard_api.phones import phone_search_patterns
from switchboard_api.platform.unit_of_work import read_session
from switchboard_api.search.repository import SearchRepository, SearchTerms
from switchboard_api.search.schemas import (
    SearchedType,
    SearchGroup,
    SearchHit,
    SearchResults,
)

#: The order of the groups: the people and work first, the log and the team last.
SEARCHED_TYPES: tuple[SearchedType, ...] = get_args(SearchedType)


def search_terms(query: str, phone_region: str) -> SearchTerms:
    """The search box's text as the queries match it."""
    text = query.strip().lower()
    return SearchTerms(text=text, phones=phone_search_patterns(text, phone_region))


async def search_everything(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    query: str,
    *,
    limit: int,
    phone_region: str,
) -> SearchResults:
    """The best ``limit`` live records of each type the caller may read, grouped by type;
    types without hits are left out."""
    terms = search_terms(query, phone_region)
    groups: list[SearchGroup] = []
    if not terms.text:
        return SearchResults(query=query, groups=groups)
    readable = [kind for kind in SEARCHED_TYPES if can(principal.role, kind, Action.READ)]
    async with read_session(sessionmaker) as session:
        repository = SearchRepository(session)
        await repository.prefer_indexes()
        for kind in readable:
            rows = await repository.find(kind, terms, limit)
            if rows:
                items = [msgspec.convert(row, SearchHit) for row in rows]
                groups.append(SearchGroup(type=kind, items=items))
    return SearchResults(query=query, groups=groups)
