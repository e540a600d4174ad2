"""Route metadata that ties each route to the permission matrix, its enforcement, and the
``principal`` dependency.

Tag every authenticated route with one of::

    opt=entity_route("contacts", Action.UPDATE)   # checked against the matrix
    opt=AUTHENTICATED                             # any signed-in employee

The authentication middleware then refuses (403) whatever the matrix forbids, right after
authenticating and before the request body is even read (:func:`enforce_route_permission`);
the route sweep test fails for a route that declares neither.

A route served from a Redis hash may also declare ``opt[PREFETCH]``: the authentication
round trip then reads that hash too (see :func:`route_prefetch`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.sessions import HashRead
from switchboard_api.errors import Unauthenticated
from switchboard_api.platform.resources import Resources

ENTITY_TYPE = "entity_type"
ACTION = "action"
ANY_EMPLOYEE = "any_employee"
PREFETCH = "prefetch"
AUTHENTICATED: dict[str, Any] = {ANY_EMPLOYEE: True}
"""``opt`` of a route open to every authenticated employee (own profile, tokens, feeds)."""


def entity_route(entity_type: str, action: Action | str, **extra: Any) -> dict[str, Any]:
    """``opt`` of a route that performs ``action`` on records of ``entity_type``."""
    return {ENTITY_TYPE: entity_type, ACTION: str(Action(action)), **extra}


def route_permission(opt: dict[str, Any]) -> tuple[str, str] | None:
    """The ``(entity_type, action)`` a route declares, if any."""
    entity_type, action = opt.get(ENTITY_TYPE), opt.get(ACTION)
    if entity_type is None or action is None:
        return None
    return str(entity_type), str(action)


Prefetch = Callable[[dict[str, Any]], HashRead | None]
"""``opt[PREFETCH]``: from the raw path parameters, the hash the handler will read (or
``None``). Must not raise: it runs before the parameters are validated."""


def route_prefetch(handler: Any, path_params: dict[str, Any]) -> HashRead | None:
    """The hash a route reads, if it declares one (cookie sessions read it with the session)."""
    opt = getattr(handler, "opt", None)
    prefetch: Prefetch | None = opt.get(PREFETCH) if opt else None
    return prefetch(path_params) if prefetch is not None else None


def enforce_route_permission(principal: Principal, handler: Any) -> None:
    """Refuse (403) the route's declared ``(entity_type, action)`` if the caller's role may
    not. The auth middleware calls it, rather than an app-wide Litestar guard: a guard
    costs a copy of the route handler on every request."""
    opt = getattr(handler, "opt", None)
    permission = route_permission(opt) if opt else None
    if permission is not None:
        require(principal, *permission)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller the middleware authenticated (401 if the route is public)."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthenticated("this route needs an authenticated caller")
    return user


def provide_principal(
    request: ASGIConnection[Any, Any, Any, Any], resources: NamedDependency[Resources]
) -> Principal:
    """The ``principal`` dependency: the caller the middleware authenticated.

    ``resources`` is unused: depending on it puts ``principal`` in the dependency batch after
    ``resources`` instead of beside it. Litestar resolves a batch of several dependencies in
    an anyio task group (a task per dependency), which cost more per request than these
    two lookups themselves.
    """
    del resources
    return principal_of(request)
