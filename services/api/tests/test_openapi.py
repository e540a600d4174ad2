"""The OpenAPI document describes every lifecycle route completely: parameters, request
and response schemas, headers and problem+json error responses."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from switchboard_api.app import create_app
from switchboard_api.entities import ENTITY_TYPES
from switchboard_api.settings import get_settings

PROBLEM = "application/problem+json"
METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def app() -> Litestar:
    return create_app(get_settings())


@pytest.fixture(scope="module")
def doc(app: Litestar) -> dict[str, Any]:
    document: dict[str, Any] = app.openapi_schema.to_schema()
    return document


def _operations(doc: dict[str, Any], prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in doc["paths"].items()
        if path.startswith(prefix)
        for method, operation in item.items()
        if method in METHODS
    ]


def _lifecycle_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for name in ENTITY_TYPES:
        found += _operations(doc, f"/api/v1/{name}")
    return found


def test_every_route_of_the_app_is_documented(app: Litestar, doc: dict[str, Any]) -> None:
    documented = {(path, method.upper()) for path, method, _ in _operations(doc, "/api")}
    for route in app.routes:
        path = route.path_format if hasattr(route, "path_format") else route.path
        if not path.startswith("/api/v1/") or path.startswith("/api/openapi"):
            continue
        for method in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)


def test_each_type_has_the_whole_lifecycle(doc: dict[str, Any]) -> None:
    for name in ENTITY_TYPES:
        base, one = f"/api/v1/{name}", f"/api/v1/{name}/{{record_id}}"
        expected = {
            (base, "get"),
            (base, "post"),
            (f"{base}/trash", "get"),
            (one, "get"),
            (one, "patch"),
            (one, "delete"),
            (f"{one}/restore", "post"),
            (f"{one}/permanent", "delete"),
            (f"{one}/history", "get"),
        }
        present = {(p, m) for p, m, _ in _operations(doc, base)}
        assert expected <= present, name


def test_errors_are_documented_as_problems(doc: dict[str, Any]) -> None:
    assert "Problem" in doc["components"]["schemas"]
    for path, method, operation in _lifecycle_operations(doc):
        statuses = {int(s) for s in operation["responses"]}
        assert {400, 401, 403} <= statuses, (path, method)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                content = response["content"]
                assert list(content) == [PROBLEM], (path, method, status)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
        if "{record_id}" in path:
            assert 404 in statuses, (path, method)


def test_success_responses_and_bodies_have_schemas(doc: dict[str, Any]) -> None:
    for path, method, operation in _lifecycle_operations(doc):
        successes = {s: r for s, r in operation["responses"].items() if s[0] in "23"}
        assert len(successes) == 1, (path, method)
        status, response = next(iter(successes.items()))
        if status[0] == "2" and status != "204":
            schema = response["content"]["application/json"]["schema"]
            # A schema, or one of several (how a file is uploaded: a form, or parts).
            choices = schema.get("oneOf", [schema])
            for choice in choices:
                assert "$ref" in choice or choice.get("type") in {"object", "array"}, (path, method)
        # Moves and steps of a record (restore; a file's upload form and completion) take no body.
        needs_body = method in {"post", "patch"} and not path.endswith(
            ("/restore", "/upload", "/complete")
        )
        if needs_body:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in body, (path, method)
        else:
            assert "requestBody" not in operation, (path, method)
        assert operation.get("summary"), (path, method)


def test_writes_document_etag_and_if_match(doc: dict[str, Any]) -> None:
    for path, method, operation in _lifecycle_operations(doc):
        if method == "patch":
            names = {p["name"] for p in operation["parameters"]}
            assert "If-Match" in names
            assert "428" in operation["responses"]
            assert "412" in operation["responses"]
        if method == "post" and path.count("/") == 3:  # create
            headers = operation["responses"]["201"]["headers"]
            assert {"ETag", "Location"} <= set(headers)
            assert headers["ETag"]["schema"]["type"] == "string"


def test_list_parameters_are_typed(doc: dict[str, Any]) -> None:
    params = {p["name"]: p for p in doc["paths"]["/api/v1/deals"]["get"]["parameters"]}
    assert {"limit", "cursor", "sort", "q", "stage", "owner_id", "contact_id"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 200
    sort_values = str(params["sort"]["schema"])
    assert "-created_at" in sort_values
    assert "amount" in sort_values
    assert "proposal" in str(params["stage"]["schema"])


def test_served_at_api_openapi_json(app: Litestar) -> None:
    with TestClient(app) as client:
        response = client.get("/api/openapi.json")
        assert response.status_code == 200
        assert response.json()["paths"]
        assert client.get("/api/docs").status_code == 200
