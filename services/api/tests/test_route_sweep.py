"""The route sweep: generated from the app's own routes, never from a hand-kept list.

Every route without credentials -> 401; every route x role -> 403 exactly where the
permission matrix forbids the route's declared (entity_type, action), otherwise neither
401 nor 403 nor a 5xx. Path parameters are filled with random values, so an allowed call
typically ends in 404/400/422/428: what matters is that it got past authorization.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from switchboard_api.app import create_app
from switchboard_api.auth.guards import ANY_EMPLOYEE, route_permission
from switchboard_api.auth.middleware import is_framework_route
from switchboard_api.auth.permissions import MATRIX, Action, Role, can
from switchboard_api.settings import get_settings

from fixtures.auth import api_token, client, running_api, user_factory

PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\{(\w+):(\w+)\}")
_SAMPLE = {"int": "1", "str": "x", "path": "x", "float": "1"}


@dataclass(frozen=True)
class RouteCase:
    """One (method, path) the app serves, with its handler's metadata."""

    method: str
    template: str
    opt: dict[str, Any]
    public: bool

    @property
    def id(self) -> str:
        return f"{self.method} {self.template}"

    def url(self) -> str:
        return _PARAM.sub(
            lambda m: str(uuid.uuid4()) if m[2] == "uuid" else _SAMPLE.get(m[2], "1"), self.template
        )


def _is_public(handler: HTTPRouteHandler) -> bool:
    return bool(handler.opt.get("exclude_from_auth")) or is_framework_route(handler)


def _http_routes(app: Litestar) -> list[HTTPRoute]:
    return [r for r in app.routes if isinstance(r, HTTPRoute)]


def route_cases(app: Litestar) -> list[RouteCase]:
    """Every (method, path) of the app except the automatic OPTIONS handlers."""
    cases = []
    for route in _http_routes(app):
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method != "OPTIONS":
                    cases.append(
                        RouteCase(method, route.path, dict(handler.opt), _is_public(handler))
                    )
    return cases


def unserved_methods(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) pairs for methods a known, non-public path does not serve."""
    pairs = []
    for route in _http_routes(app):
        if all(_is_public(h) for h in route.route_handlers if "OPTIONS" not in h.http_methods):
            continue
        pairs += [(m, route.path) for m in PROBE_METHODS if m not in route.methods]
    return pairs


APP = create_app()
CASES = route_cases(APP)
PRIVATE = [c for c in CASES if not c.public]


@pytest.fixture(scope="module")
async def base_url() -> AsyncIterator[str]:
    async with running_api(get_settings(), APP) as url:
        yield url


@pytest.fixture(scope="module")
async def bearer(base_url: str) -> AsyncIterator[dict[Role, dict[str, str]]]:
    """An API token per role (tokens act with the owner's role)."""
    async with user_factory(get_settings()) as users:
        headers = {}
        for role in Role:
            async with client(base_url) as http:
                token = await api_token(http, await users.create(role.value))
            headers[role] = {"authorization": f"Bearer {token}"}
        yield headers


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(base_url) as c:
        yield c


async def _call(
    http: httpx.AsyncClient, method: str, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return await http.request(method, url, json=body, headers=headers)


def test_the_sweep_sees_the_routes() -> None:
    # Guard against a sweep that silently tests nothing.
    ids = {c.id for c in CASES}
    assert "GET /api/v1/auth/me" in ids
    assert "POST /api/v1/auth/login" in ids
    assert len(PRIVATE) >= 5


def test_every_private_route_declares_its_permission() -> None:
    undeclared = [
        c.id for c in PRIVATE if route_permission(c.opt) is None and not c.opt.get(ANY_EMPLOYEE)
    ]
    assert not undeclared, (
        "routes must declare opt=entity_route(type, action) or opt=AUTHENTICATED "
        f"(switchboard_api.auth.guards): {undeclared}"
    )
    known_types = set().union(*(m.keys() for m in MATRIX.values()))
    for case in PRIVATE:
        permission = route_permission(case.opt)
        if permission is not None:
            assert permission[0] in known_types, f"{case.id}: unknown entity type {permission[0]}"
            assert permission[1] in set(Action), f"{case.id}: unknown action {permission[1]}"


@pytest.mark.parametrize("path", ["/api/healthz", "/api/openapi.json", "/api/docs"], ids=str)
async def test_public_routes_answer_without_credentials(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 200


@pytest.mark.parametrize("case", PRIVATE, ids=lambda c: c.id)
async def test_route_without_credentials_is_401(http: httpx.AsyncClient, case: RouteCase) -> None:
    response = await _call(http, case.method, case.url())
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path"), unserved_methods(APP), ids=str)
async def test_unserved_method_without_credentials_is_401(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    case = RouteCase(method, path, {}, public=False)
    assert (await _call(http, method, case.url())).status_code == 401


@pytest.mark.parametrize("case", PRIVATE, ids=lambda c: c.id)
async def test_route_by_role_follows_the_matrix(
    http: httpx.AsyncClient, bearer: dict[Role, dict[str, str]], case: RouteCase
) -> None:
    permission = route_permission(case.opt)
    for role in Role:
        response = await _call(http, case.method, case.url(), bearer[role])
        allowed = permission is None or can(role, *permission)
        where = f"{case.id} as {role}: {response.status_code} {response.text[:300]}"
        if allowed:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
        else:
            assert response.status_code == 403, where
            assert response.headers["content-type"].startswith("application/problem+json")


def test_agents_cannot_manage_users_or_purge() -> None:
    # The matrix itself, as the product requires it (issue 3, item 2).
    for action in (Action.CREATE, Action.UPDATE, Action.TRASH, Action.RESTORE, Action.PURGE):
        assert not can(Role.AGENT, "users", action)
        assert not can(Role.SUPERVISOR, "users", action)
        assert can(Role.ADMIN, "users", action)
    for entity_type in MATRIX[Role.AGENT]:
        assert not can(Role.AGENT, entity_type, Action.PURGE)
