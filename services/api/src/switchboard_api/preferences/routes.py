"""``/api/v1/auth/me/preferences``: the caller's own interface preferences. There is no
employee in the path: everyone reaches only their own."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, Router, get, patch
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody

from switchboard_api.auth.guards import AUTHENTICATED
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.http import (
    ETAG_HEADER,
    MAX_BODY_BYTES,
    etag,
    parse_if_match,
    problems,
)
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.preferences.schemas import Preferences, PreferencesChange
from switchboard_api.preferences.service import PreferencesService, read_preferences

IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", description="The ETag (version) the change is based on."),
]


def _with_etag(preferences: Preferences) -> Response[Preferences]:
    return Response(preferences, headers={"ETag": etag(preferences.version)})


@get(
    "/",
    name="preferences:get",
    summary="My interface preferences (language, theme)",
    opt=AUTHENTICATED,
    response_headers=[ETAG_HEADER],
    responses=problems(),
)
async def get_preferences(
    principal: NamedDependency[Principal], resources: NamedDependency[Resources]
) -> Response[Preferences]:
    """The caller's preferences and their ETag."""
    return _with_etag(await read_preferences(resources.sessionmaker, principal.user_id))


@patch(
    "/",
    name="preferences:change",
    summary="Change my interface preferences (If-Match)",
    description=(
        "Fields left out stay as they are. The change reaches the caller's other open tabs "
        "as `preferences.changed` on their personal channel."
    ),
    opt=AUTHENTICATED,
    response_headers=[ETAG_HEADER],
    responses=problems(412, 413, 422, 428),
)
async def change_preferences(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    data: JSONBody[PreferencesChange],
    if_match: IfMatch = None,
) -> Response[Preferences]:
    """Change the caller's preferences."""
    service = PreferencesService(uow, principal)
    return _with_etag(await service.change(parse_if_match(if_match), data))


def preferences_router() -> Router:
    """Every preferences route."""
    return Router(
        path="/v1/auth/me/preferences",
        route_handlers=[get_preferences, change_preferences],
        tags=["auth"],
        request_max_body_size=MAX_BODY_BYTES,
    )
