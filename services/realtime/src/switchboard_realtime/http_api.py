"""HTTP on the WebSocket port: health, metrics, and Pusher's signed HTTP API.

Routes (every API route also without the ``/apps/{id}`` prefix for
``terminate_connections``, as the stock Python library calls it):

- ``POST /apps/{id}/events`` and ``/batch_events``: publish;
- ``GET /apps/{id}/channels``, ``/channels/{name}``, ``/channels/{name}/users``: query;
- ``POST /apps/{id}/users/{user_id}/terminate_connections``: close the user's signed-in
  connections on every node.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

from redis.exceptions import RedisError
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from switchboard_realtime.apps import App
from switchboard_realtime.channel_queries import ChannelQueries
from switchboard_realtime.node import Node
from switchboard_realtime.protocol.publish import (
    BadRequest,
    TooLarge,
    parse_batch_body,
    parse_events_body,
)
from switchboard_shared.logs import REQUEST_ID_HEADER, clean_request_id
from switchboard_shared.pusher import RequestAuthError, verify_request

log = logging.getLogger(__name__)

_APP_ROUTE = re.compile(r"/apps/([^/]+)(/.*)")
_TERMINATE = re.compile(r"/users/([^/]+)/terminate_connections")
_CHANNEL = re.compile(r"/channels/([^/]+)")
_CHANNEL_USERS = re.compile(r"/channels/([^/]+)/users")


class HttpError(Exception):
    """An error answered as ``{"error": message}`` with its status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A verified HTTP API call."""

    app: App
    method: str
    route: str  # the path after /apps/{id}
    params: dict[str, str]
    body: bytes


def response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    """A complete HTTP response; the connection closes after it."""
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def json_response(status: HTTPStatus, value: object) -> Response:
    """A JSON response (the Python library requires JSON even for ``{}``)."""
    return response(status, json.dumps(value).encode(), "application/json")


async def handle_http(
    node: Node, request: Request, body: bytes, body_error: Exception | None
) -> Response | None:
    """Answer a plain HTTP request, or None to go on with the WebSocket handshake."""
    path = urlsplit(request.path).path
    if path == "/healthz":
        return response(HTTPStatus.OK, b"ok\n", "text/plain")
    if path == "/metrics":
        return response(HTTPStatus.OK, node.metrics.render(), "text/plain; version=0.0.4")
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return None
    try:
        if body_error is not None:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(body_error))
        api_request = authenticate(node, request, path, body)
        answer = await dispatch(node, api_request)
        _log_traced(request, api_request)
        return json_response(HTTPStatus.OK, answer)
    except HttpError as exc:
        return json_response(exc.status, {"error": exc.message})
    except RedisError:
        log.exception("redis failure in the HTTP API")
        return json_response(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "try again"})


def _log_traced(request: Request, api_request: ApiRequest) -> None:
    """One line for a publish made on behalf of requests (the ids the relay or the API sent
    with it), so a change can be followed from the API to this node."""
    traced = request.headers.get(REQUEST_ID_HEADER)
    if traced:
        request_ids = [clean_request_id(part) for part in traced.split(",")[:100]]
        log.info(
            "published %s for %d request(s)",
            api_request.route,
            len(request_ids),
            extra={"request_id": ",".join(request_ids)},
        )


def authenticate(node: Node, request: Request, path: str, body: bytes) -> ApiRequest:
    """Find the app and check the request's signature; the verified request."""
    params = dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))
    match = _APP_ROUTE.fullmatch(path)
    if match is not None:
        app, route = node.apps.by_id(match.group(1)), match.group(2)
    elif _TERMINATE.fullmatch(path):
        app, route = node.apps.by_key(params.get("auth_key", "")), path
    else:
        raise HttpError(HTTPStatus.NOT_FOUND, "not found")
    if app is None:
        raise HttpError(HTTPStatus.NOT_FOUND, "unknown app")
    try:
        verify_request(app.key, app.secret, request.method, path, params=params, body=body)
    except RequestAuthError as exc:
        raise HttpError(HTTPStatus.UNAUTHORIZED, str(exc)) from None
    return ApiRequest(app, request.method, route, params, body)


async def dispatch(node: Node, req: ApiRequest) -> object:
    """Route a verified request to its operation; the JSON result."""
    queries = ChannelQueries(node, req.app)
    try:
        if req.route == "/events":
            _require(req, "POST")
            publications = parse_events_body(req.body, node.publish_limits)
            queries.check_info(publications)
            await node.publish_many(req.app.id, publications)
            return await queries.publish_info(publications)
        if req.route == "/batch_events":
            _require(req, "POST")
            publications = parse_batch_body(req.body, node.publish_limits)
            queries.check_info(publications)
            await node.publish_many(req.app.id, publications)
            return await queries.batch_info(publications)
        if req.route == "/channels":
            _require(req, "GET")
            return await queries.channels(req.params)
        if match := _CHANNEL_USERS.fullmatch(req.route):
            _require(req, "GET")
            return await queries.users(match.group(1))
        if match := _CHANNEL.fullmatch(req.route):
            _require(req, "GET")
            return await queries.channel(match.group(1), req.params)
        if match := _TERMINATE.fullmatch(req.route):
            _require(req, "POST")
            await node.terminate_user(req.app.id, unquote(match.group(1)))
            return {}
    except BadRequest as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from None
    except TooLarge as exc:
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(exc)) from None
    raise HttpError(HTTPStatus.NOT_FOUND, "not found")


def _require(req: ApiRequest, method: str) -> None:
    if req.method != method:
        raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {method}")
