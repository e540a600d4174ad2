"""The busiest read, ``GET /api/v1/{type}/{id}`` with a session cookie and a cached
record, answered before Litestar's routing, exception and dependency layers.

Why: that read is one Redis round trip (session check plus the record's cache entry, see
``record_prefetch``), and the framework's per-request machinery cost as much CPU as the
read itself. This layer runs the same steps the full path runs for it (the same session
check with the same prefetch, the same permission matrix, the same cache entry) and sends
the same bytes and headers. It serves only that happy path: anything else (no cookie, a
bearer token, a query string, conditional headers, an unknown path, a cache miss, an
expired session, a forbidden type, Redis trouble) goes to Litestar unchanged, which then
answers as it always does (fills the cache, 401, 403, 404, 503...).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Receive,
    Scope,
    Send,
)

from switchboard_api.auth.authenticate import Authenticator
from switchboard_api.auth.guards import PREFETCH, Prefetch, route_permission
from switchboard_api.auth.middleware import authenticator
from switchboard_api.auth.permissions import can
from switchboard_api.lifecycle.cache import RecordCache
from switchboard_api.lifecycle.http import etag

log = logging.getLogger("switchboard_api.lifecycle.fastpath")

#: ``opt`` key of a GET-by-id route whose cache hits this layer may answer (the route also
#: declares its permission and its ``PREFETCH``, which this layer follows).
CACHED_RECORD = "cached_record"
_ID_PARAM = "{record_id:str}"
_ID_TEMPLATE = "/{record_id}"  # the route's path_format, as Litestar reports the match
_UUID_LENGTH = 36
_FULL_PATH_HEADERS = frozenset({b"authorization", b"if-none-match", b"if-match", b"range"})


@dataclass(frozen=True, slots=True)
class CachedRoute:
    """What a route declares that the fast path needs: its permission and its prefetch."""

    permission: tuple[str, str]
    prefetch: Prefetch


def cached_record_routes(app: Litestar) -> dict[str, CachedRoute]:
    """Path prefix (``/api/v1/contacts/``) -> the route's declarations, of every GET route
    that declares :data:`CACHED_RECORD` (read from the app, so it can't drift from them)."""
    routes: dict[str, CachedRoute] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.endswith("/" + _ID_PARAM):
            continue
        for handler in route.route_handlers:
            opt = handler.opt
            permission, prefetch = route_permission(opt), opt.get(PREFETCH)
            if opt.get(CACHED_RECORD) and "GET" in handler.http_methods:
                if permission is None or prefetch is None:
                    raise ValueError(
                        f"{route.path}: {CACHED_RECORD} needs a permission and a prefetch"
                    )
                routes[route.path.removesuffix(_ID_PARAM)] = CachedRoute(permission, prefetch)
    return routes


def _cookie(header: bytes, name: bytes) -> str | None:
    """The one value of cookie ``name``; None if absent or sent twice (ambiguous: the
    full path decides)."""
    found: bytes | None = None
    for part in header.split(b";"):
        key, sep, value = part.strip().partition(b"=")
        if sep and key == name:
            if found is not None:
                return None
            found = value
    return found.decode("latin-1") if found else None


def _plain_get(scope: HTTPScope) -> bool:
    return scope["method"] == "GET" and not scope["query_string"]


class CachedReadFastPath:
    """ASGI layer in front of the Litestar app's handler (see the module docstring)."""

    def __init__(self, app: ASGIApp, litestar: Litestar) -> None:
        self._app = app
        self._litestar = litestar
        self._routes = cached_record_routes(litestar)
        self._auth: Authenticator | None = None
        self._cookie_name: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _plain_get(scope):
            try:
                hit = await self._cached(scope)
            except Exception:  # the full path will meet (and answer) the same trouble
                log.debug("fast path declined", exc_info=True)
                hit = None
            if hit is not None:
                version, body = hit
                # The template Litestar's router would have matched (for the metrics).
                scope["path_template"] = scope["path"].rpartition("/")[0] + _ID_TEMPLATE
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"etag", etag(version).encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
                await send(start)
                end: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": body,
                    "more_body": False,
                }
                await send(end)
                return
        await self._app(scope, receive, send)

    def _target(self, scope: HTTPScope) -> tuple[CachedRoute, uuid.UUID, str] | None:
        """(route, record id, session id) of a request this layer may answer."""
        prefix, _, raw_id = scope["path"].rpartition("/")
        route = self._routes.get(prefix + "/")
        if route is None or len(raw_id) != _UUID_LENGTH:
            return None
        cookie = None
        for name, value in scope["headers"]:
            if name in _FULL_PATH_HEADERS or (name == b"cookie" and cookie is not None):
                return None  # bearer tokens, conditional reads, split cookies: the full path
            if name == b"cookie":
                cookie = value
        session_id = _cookie(cookie, self._session_cookie()) if cookie else None
        if not session_id:
            return None
        record_id = uuid.UUID(raw_id)
        if str(record_id) != raw_id.lower():
            return None  # only the canonical spelling, as the full path's parameter parsing
        return route, record_id, session_id

    async def _cached(self, scope: HTTPScope) -> tuple[int, bytes] | None:
        target = self._target(scope)
        if target is None:
            return None
        route, record_id, session_id = target
        read = route.prefetch({"record_id": record_id})
        principal, fields = await self._authenticator().from_session(session_id, read)
        if fields is None or not can(principal.role, *route.permission):
            return None
        return RecordCache.entry(list(fields))

    def _authenticator(self) -> Authenticator:
        if self._auth is None:
            self._auth = authenticator(self._litestar)
        return self._auth

    def _session_cookie(self) -> bytes:
        if self._cookie_name is None:
            settings = self._litestar.state.resources.settings
            self._cookie_name = str(settings.session_cookie_name).encode()
        return self._cookie_name


def install_fast_path(app: Litestar) -> None:
    """Put :class:`CachedReadFastPath` in front of the app's routing (inside
    ``Litestar.__call__``, so the app object, its state and lifespan stay as they are)."""
    app.asgi_handler = CachedReadFastPath(app.asgi_handler, app)
