"""``POST /api/v1/realtime/auth``: the channel-authorization endpoint pusher-js calls;
``GET /api/v1/realtime/config``: what the web client needs to connect at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.status_codes import HTTP_200_OK

from switchboard_api.auth.guards import AUTHENTICATED
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import BadRequest, FieldError, PayloadTooLarge
from switchboard_api.lifecycle.http import problems
from switchboard_api.platform.resources import Resources
from switchboard_api.realtime.auth import (
    ChannelAuthRequest,
    ChannelAuthResponse,
    authorize_channel,
)

_FIELD_IN_ERROR = re.compile(r"`\$\.(\w+)`|field `(\w+)`")
MAX_BODY_BYTES = 2048  # two short fields; anything bigger is not pusher-js

_FORM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["socket_id", "channel_name"],
    properties={
        "socket_id": Schema(type=OpenAPIType.STRING, pattern=r"^\d+\.\d+$", max_length=41),
        "channel_name": Schema(type=OpenAPIType.STRING, max_length=164),
    },
)


@dataclass
class _AuthOperation(Operation):
    """Documents both body encodings pusher-js and JSON clients use."""

    def __post_init__(self) -> None:
        media = OpenAPIMediaType(schema=_FORM_SCHEMA)
        self.request_body = RequestBody(
            required=True,
            content={"application/x-www-form-urlencoded": media, "application/json": media},
        )


def _missing(field: str) -> BadRequest:
    return BadRequest(f"{field} is required", errors=[FieldError(field=field, message="required")])


async def _read_body(request: Request[Any, Any, Any]) -> ChannelAuthRequest:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"at most {MAX_BODY_BYTES} bytes")
    if request.content_type[0] == "application/json":
        try:
            return msgspec.json.decode(body, type=ChannelAuthRequest)
        except msgspec.ValidationError as exc:
            found = _FIELD_IN_ERROR.search(str(exc))
            name = (found.group(1) or found.group(2)) if found else "body"
            raise BadRequest(str(exc), errors=[FieldError(field=name, message=str(exc))]) from None
        except msgspec.DecodeError:
            raise BadRequest("malformed JSON") from None
    form = await request.form()
    values: dict[str, str] = {}
    for field in ("socket_id", "channel_name"):
        value = form.get(field)
        if not isinstance(value, str) or not value:
            raise _missing(field)
        values[field] = value
    return ChannelAuthRequest(**values)


@post(
    "/v1/realtime/auth",
    summary="Authorize a realtime channel subscription",
    description=(
        "The pusher-js channel-authorization contract: post `socket_id` and `channel_name` "
        "(form-encoded or JSON); get `{auth}` (plus `channel_data` for presence channels). "
        "Allowed: `private-T`, `private-T.{id}`, `presence-T.{id}` for types T the caller "
        "may read, and the caller's own `private-user.{user_id}`. Malformed input is 400, "
        "any other channel 403."
    ),
    status_code=HTTP_200_OK,
    operation_class=_AuthOperation,
    tags=["realtime"],
    opt=AUTHENTICATED,  # every employee; each channel is checked against the matrix
    responses=problems(413),
)
async def realtime_auth(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
) -> ChannelAuthResponse:
    """Sign a subscription for the logged-in employee."""
    body = await _read_body(request)
    return authorize_channel(principal, body, resources.settings)


class RealtimeConfig(msgspec.Struct):
    """How a browser connects to the realtime service. The Pusher app key is public (every
    browser sends it); the secret never leaves the servers."""

    key: str


@get(
    "/v1/realtime/config",
    summary="How the web client connects to the realtime service",
    description=(
        "The Pusher app key of this deployment, so one web build works with any deployment "
        "(the key is configuration: `API_REALTIME_KEY`, equal to the realtime node's "
        "`RT_APP_KEY`). The WebSocket itself is `/app/{key}` on this same origin."
    ),
    tags=["realtime"],
    opt=AUTHENTICATED,
)
async def realtime_config(resources: NamedDependency[Resources]) -> RealtimeConfig:
    """The connection settings the web client starts pusher-js with."""
    return RealtimeConfig(key=resources.settings.realtime_key)
