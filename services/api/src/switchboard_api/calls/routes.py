"""Call routes: the generic lifecycle plus click-to-call and recording playback."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_201_CREATED, HTTP_302_FOUND

from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.calls.entity import CALLS
from switchboard_api.calls.schemas import Call, DialRequest, WrapUpQueue, WrapUpRequest
from switchboard_api.calls.wrap_up import calls_awaiting_wrap_up, wrap_up_call
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.http import ETAG_HEADER, LOCATION_HEADER, etag, problems
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.telephony.dial import PROVIDER_PROBLEMS, dial
from switchboard_api.telephony.dial_policy import DIAL_LIMITED
from switchboard_api.telephony.recordings import playback_url


@post(
    "/dial",
    name="calls:dial",
    summary="Click-to-call from my extension",
    description=(
        "Creates an outbound call and asks the PBX to ring the caller's extension, then "
        "dial `to_number`. 403 if the dialing policy does not allow the destination; 422 "
        "if the caller has no extension; 403 (`dial-limit`) past the caller's dial limit (Retry-After); "
        "502/503 if the PBX refuses or is unreachable (the call is then marked failed)."
    ),
    status_code=HTTP_201_CREATED,
    opt=entity_route(CALLS.name, Action.CREATE),
    response_headers=[ETAG_HEADER, LOCATION_HEADER],
    responses={**problems(422), **DIAL_LIMITED, **PROVIDER_PROBLEMS},
)
async def dial_call(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    data: JSONBody[DialRequest],
) -> Response[Call]:
    """Start a click-to-call."""
    row = await dial(resources, principal, data)
    record: Any = to_read(CALLS, row)
    return Response(
        record,
        status_code=HTTP_201_CREATED,
        headers={"ETag": etag(row["version"]), "Location": f"/api/v1/calls/{row['id']}"},
    )


@get(
    "/{record_id:uuid}/recording",
    name="calls:recording",
    summary="Play a call's recording",
    description=(
        "302 to a short-lived presigned URL of the recording (served through nginx, with "
        "Range support, so an `<audio>` element plays and seeks). 404 if none is stored."
    ),
    status_code=HTTP_302_FOUND,
    opt=entity_route(CALLS.name, Action.READ),
    responses=problems(404),
)
async def call_recording(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    record_id: FromPath[uuid.UUID],
) -> Redirect:
    """Redirect to the recording."""
    url = await playback_url(resources, principal, record_id)
    return Redirect(url, status_code=HTTP_302_FOUND, headers={"Cache-Control": "no-store"})


@post(
    "/{record_id:uuid}/wrap-up",
    name="calls:wrap_up",
    summary="Wrap up an answered call",
    description=(
        "Records the call's outcome (one of `/api/v1/call_outcomes`), an optional note and an "
        "optional follow-up task assigned to the caller, all linked to the call, its contact "
        "and the contact's open deal. Agents may wrap up only the calls they took. 409 if the "
        "call was not answered, has not ended or is already wrapped up."
    ),
    status_code=HTTP_201_CREATED,
    opt=entity_route(CALLS.name, Action.UPDATE),
    response_headers=[ETAG_HEADER],
    responses=problems(403, 404, 409, 422),
)
async def wrap_up(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
    data: JSONBody[WrapUpRequest],
) -> Response[Call]:
    """Wrap the call up."""
    row = await wrap_up_call(uow, principal, record_id, data)
    record: Any = to_read(CALLS, row)
    return Response(record, status_code=HTTP_201_CREATED, headers={"ETag": etag(row["version"])})


WithinHours = Annotated[
    int,
    Parameter(ge=1, le=168, description="How far back, in hours, a call may have ended."),
]


@get(
    "/awaiting-wrap-up",
    name="calls:awaiting_wrap_up",
    summary="My answered calls still to wrap up",
    description=(
        "The caller's answered calls (from the PBX, with a customer) that ended within "
        "`within_hours` and have no wrap-up yet, the most recent first, each as the "
        "`call.wrap_up` prompt describes it (at most 50). A page asks at start and on every "
        "reconnect, so a deferred wrap-up, or one for a call that ended while no page was "
        "open, is offered again."
    ),
    opt=entity_route(CALLS.name, Action.READ),
    responses=problems(400),
)
async def awaiting_wrap_up(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    within_hours: WithinHours = 24,
) -> WrapUpQueue:
    """List my calls awaiting a wrap-up."""
    return await calls_awaiting_wrap_up(resources.sessionmaker, principal, within_hours)


def calls_router() -> Router:
    """Every calls route."""
    return lifecycle_router(CALLS, extra=[dial_call, call_recording, wrap_up, awaiting_wrap_up])
