"""Route metadata that ties each route to the permission matrix, the guard that enforces
it, and the ``principal`` dependency.

Tag every authenticated route with one of::

    opt=entity_route("contacts", Action.UPDATE)   # checked against the matrix
    opt=AUTHENTICATED                             # any signed-in employee

The app-wide :func:`matrix_guard` then refuses (403) whatever the matrix forbids, before the
request body is even read; the route sweep test fails for a route that declares neither.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import Unauthenticated

ENTITY_TYPE = "entity_type"
ACTION = "action"
ANY_EMPLOYEE = "any_employee"
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


def matrix_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Enforce the route's declared ``(entity_type, action)`` for the caller's role."""
    permission = route_permission(handler.opt)
    user = connection.scope.get("user")
    if permission is None or not isinstance(user, Principal):
        return  # public routes have no principal; undeclared routes are caught by the sweep
    require(user, *permission)


def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The ``principal`` dependency: the caller the middleware authenticated."""
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthenticated("this route needs an authenticated caller")
    return user
