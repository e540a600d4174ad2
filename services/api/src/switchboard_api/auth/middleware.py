"""The authentication middleware: every non-public route gets a Principal or a 401, and
cookie-authenticated unsafe requests must carry the session's CSRF token."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Litestar, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, MethodNotAllowedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from redis.exceptions import RedisError

from switchboard_api.auth.authenticate import Authenticator
from switchboard_api.auth.guards import enforce_route_permission, route_prefetch
from switchboard_api.errors import (
    EXCEPTION_HANDLERS,
    AppError,
    Forbidden,
    Problem,
    ServiceUnavailable,
    Unauthenticated,
)
from switchboard_api.platform.resources import Resources

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PREFETCHED = "switchboard.prefetched"  # scope state key of the prefetched hash fields


def authenticator(app: Litestar) -> Authenticator:
    """The process's :class:`Authenticator`, made on first use from the app's resources."""
    found: Authenticator | None = app.state.get("authenticator")
    if found is None:
        resources: Resources = app.state.resources
        found = Authenticator(resources)
        app.state.authenticator = found
    return found


def is_framework_route(handler: Any) -> bool:
    """Routes Litestar itself adds (the OpenAPI document and docs UI) are public."""
    fn = getattr(handler, "fn", None)
    return getattr(fn, "__module__", "").startswith("litestar.")


class AuthMiddleware(AbstractAuthenticationMiddleware):
    """Bearer token first, then the session cookie; sets ``request.user`` to the Principal
    and refuses (403) what the permission matrix forbids on the route.

    Routes opt out with ``exclude_from_auth=True`` (health, login). OPTIONS stays public
    (CORS preflight carries no credentials).
    """

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if is_framework_route(connection.scope.get("route_handler")):
            return AuthenticationResult(user=None, auth=None)
        try:
            return await self._authenticate(connection)
        except RedisError as exc:
            # Sessions live in Redis: without it nobody can be authenticated right now.
            raise ServiceUnavailable("the session store is unavailable; try again") from exc

    async def _authenticate(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        auth = authenticator(connection.app)
        handler = connection.scope.get("route_handler")
        header = connection.headers.get("authorization")
        if header is not None:
            principal = await auth.from_bearer(header)
            enforce_route_permission(principal, handler)
            return AuthenticationResult(user=principal, auth="token")
        settings = connection.app.state.resources.settings
        session_id = connection.cookies.get(settings.session_cookie_name)
        if not session_id:
            raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer ...'")
        also = route_prefetch(handler, connection.path_params)
        principal, prefetched = await auth.from_session(session_id, also)
        if prefetched is not None:
            connection.scope.setdefault("state", {})[PREFETCHED] = prefetched
        if connection.scope.get("method", "GET") not in SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
                raise Forbidden("missing or wrong X-CSRF-Token (GET /api/v1/auth/me returns it)")
        enforce_route_permission(principal, handler)
        return AuthenticationResult(user=principal, auth="session")


def prefetched_hash(connection: ASGIConnection[Any, Any, Any, Any]) -> list[bytes | None] | None:
    """The fields of the hash the route declared with ``opt[PREFETCH]``, as read together
    with the session (``None`` if nothing was read: bearer tokens, no declaration)."""
    state = connection.scope.get("state")
    return state.get(PREFETCHED) if state else None


def has_credentials(request: Request[Any, Any, Any]) -> bool:
    """Whether the request carries any credentials at all (valid or not)."""
    cookie = request.app.state.resources.settings.session_cookie_name
    return "authorization" in request.headers or bool(request.cookies.get(cookie))


def method_not_allowed(
    request: Request[Any, Any, Any], exc: MethodNotAllowedException
) -> Response[Problem]:
    """405 comes from routing, before any middleware: without credentials answer 401, so an
    anonymous caller learns nothing about which methods a path has."""
    if not has_credentials(request):
        unauthenticated = Unauthenticated("sign in, or send an API token")
        response: Response[Problem] = EXCEPTION_HANDLERS[AppError](request, unauthenticated)
        return response
    return EXCEPTION_HANDLERS[HTTPException](request, exc)  # type: ignore[no-any-return]
