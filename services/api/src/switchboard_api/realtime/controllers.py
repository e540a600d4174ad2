"""``POST /api/v1/realtime/auth``: the channel-authorization endpoint pusher-js calls;
``GET /api/v1/realtime/config``: what the web client needs to connect at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

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
    UserAuthRequest,
    UserAuthResponse,
    authenticate_user,
    authorize_channel,
)

Body = TypeVar("Body", ChannelAuthRequest, UserAuthRequest)
_FIELD_IN_ERROR = re.compile(r"`\$\.(\w+)`|field `(\w+)`")
MAX_BODY_BYTES = 2048  # two short fields; anything bigger is not pusher-js

_SOCKET_ID_SCHEMA = Schema(type=OpenAPIType.STRING, pattern=r"^\d+\.\d+$", max_length=41)
_FORM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["socket_id", "channel_name"],
    properties={
        "socket_id": _SOCKET_ID_SCHEMA,
        "channel_name": Schema(type=OpenAPIType.STRING, max_length=164),
    },
)


_USER_FORM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["socket_id"],
    properties={"socket_id": _SOCKET_ID_SCHEMA},
)


@dataclass
class _AuthOperation(Operation):
    """Documents both body encodings pusher-js and JSON clients use."""

    schema = _FORM_SCHEMA

    def __post_init__(self) -> None:
        media = OpenAPIMediaType(schema=self.schema)
        self.request_body = RequestBody(
            required=True,
            content={"application/x-www-form-urlencoded": media, "application/json": media},
        )


def _missing(field: str) -> BadRequest:
    return BadRequest(f"{field} is required", errors=[FieldError(field=field, message="required")])


@dataclass
class _UserAuthOperation(_AuthOperation):
    """The user-authentication body: ``socket_id`` only."""

    schema = _USER_FORM_SCHEMA


async def _read_body(request: Request[Any, Any, Any], kind: type[Body]) -> Body:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"at most {MAX_BODY_BYTES} bytes")
    if request.content_type[0] == "application/json":
        try:
            return msgspec.json.decode(body, type=kind)
        except msgspec.ValidationError as exc:
            found = _FIELD_IN_ERROR.search(str(exc))
            name = (found.group(1) or found.group(2)) if found else "body"
            raise BadRequest(str(exc), errors=[FieldError(field=name, message=str(exc))]) from None
        except msgspec.DecodeError:
            raise BadRequest("malformed JSON") from None
    form = await request.form()
    values: dict[str, str] = {}
    for field in kind.__struct_fields__:
        value = form.get(field)
        if not isinstance(value, str) or not value:
            raise _missing(field)
        values[field] = value
    return kind(**values)


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
    body = await _read_body(request, ChannelAuthRequest)
    return authorize_channel(principal, body, resources.settings)


@post(
    "/v1/realtime/user-auth",
    summary="Sign a realtime connection in as the current employee",
    description=(
        "The pusher-js user-authentication contract (`userAuthentication`, called by "
        "`pusher.signin()`): post `socket_id` (form-encoded or JSON); get `{auth, user_data}` "
        "with the employee's id. A signed-in connection is closed by the realtime service "
        "when the employee's access ends (signed out, disabled, role or password changed). "
        "Malformed input is 400."
    ),
    status_code=HTTP_200_OK,
    operation_class=_UserAuthOperation,
    tags=["realtime"],
    opt=AUTHENTICATED,
    responses=problems(413),
)
async def realtime_user_auth(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
) -> UserAuthResponse:
    """Sign the connection in for the logged-in employee."""
    body = await _read_body(request, UserAuthRequest)
    return authenticate_user(principal, body, resources.settings)


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
