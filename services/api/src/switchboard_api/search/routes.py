"""``GET /api/v1/search``: the search box of the whole workspace."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter

from switchboard_api.auth.guards import AUTHENTICATED
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.http import problems
from switchboard_api.platform.resources import Resources
from switchboard_api.search.schemas import SearchResults
from switchboard_api.search.service import search_everything


@get(
    "/v1/search",
    name="search",
    summary="Search every type from one box",
    description=(
        "Live contacts, deals, tasks, notes, calls and employees matching `q`, grouped by "
        "type (only the types the caller may read, only those with hits). Names, companies, "
        "e-mails and text match as substrings or, from four characters on, with typos "
        "(trigram word similarity); a phone number matches in any common spelling: "
        "`8 (916) 123-45-67`, `89161234567`, `+7916123`, `123-45`."
    ),
    tags=["search"],
    opt=AUTHENTICATED,  # every employee; the service keeps to the types the role may read
    responses=problems(400),
)
async def search(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    q: Annotated[str, Parameter(min_length=1, max_length=200, description="What to find.")],
    limit: Annotated[
        int, Parameter(ge=1, le=20, description="Hits per type, the closest first.")
    ] = 5,
) -> SearchResults:
    """The caller's hits for ``q``, grouped by type."""
    return await search_everything(
        resources.sessionmaker,
        principal,
        q,
        limit=limit,
        phone_region=resources.settings.default_phone_region,
    )
