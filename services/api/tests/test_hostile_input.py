"""Hostile input, generated from the API's own OpenAPI document: every string field of
every JSON write route gets NUL, a lone surrogate, 10,000 characters, and right-to-left
text with emoji. Never a 5xx; what PostgreSQL cannot store is a 422 naming the field; what
is accepted is stored exactly. Plus deep JSON, non-JSON bodies and If-Match by RFC 9110."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fixtures.lifecycle import Actor, unique

NUL = "before\x00after"
LONE_SURROGATE = "before\ud800after"
LONG = "Ж" * 10_000
RTL_EMOJI = "שלום مرحبا 👋🏽 Привет 🇷🇺"
UNSTORABLE = {"nul": NUL, "lone-surrogate": LONE_SURROGATE}
STORABLE = {"10k": LONG, "rtl-emoji": RTL_EMOJI}

# Routes that take a JSON body but are not a record's write (their own tests cover them):
# login (below), and the realtime channel and user authorisation (pusher-js posts a form,
# whose fields are checked against the protocol's own formats).
NOT_RECORD_WRITES = {"/api/v1/auth/login", "/api/v1/realtime/auth", "/api/v1/realtime/user-auth"}
PROBLEM = "application/problem+json"

Schema = dict[str, Any]


def _send(http: httpx.AsyncClient, method: str, url: str, body: Any, **headers: str) -> Any:
    """The body as JSON text with \\u escapes (a lone surrogate cannot be UTF-8 encoded)."""
    return http.request(
        method,
        url,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **headers},
    )


class OpenApi:
    """The parts of the OpenAPI document the generator reads."""

    def __init__(self, document: Schema) -> None:
        self.document = document
        self.schemas: dict[str, Schema] = document["components"]["schemas"]

    def resolve(self, schema: Schema) -> Schema:
        ref = schema.get("$ref")
        return self.resolve(self.schemas[ref.rsplit("/", 1)[1]]) if ref else schema

    def variants(self, schema: Schema) -> list[Schema]:
        """A schema's alternatives (anyOf / oneOf), each resolved; null dropped."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return [v for o in options for v in self.variants(o)]
        return [] if schema.get("type") == "null" else [schema]

    def string_leaves(self, schema: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
        """Every place a string goes: ``name``, ``emails[0]``, ``phones[0].number``, and a
        free-form object's key and value (``attributes.<key>``)."""
        for variant in self.variants(schema):
            kind = variant.get("type")
            if kind == "string" and "enum" not in variant:
                yield path, variant
            elif kind == "array":
                yield from self.string_leaves(variant.get("items", {}), f"{path}[0]")
            elif kind == "object":
                for name, prop in variant.get("properties", {}).items():
                    yield from self.string_leaves(prop, f"{path}.{name}" if path else name)
                if variant.get("additionalProperties") not in (None, False):
                    yield f"{path}.*key*", {"type": "string"}
                    yield f"{path}.k", {"type": "string"}

    def write_routes(self) -> Iterator[tuple[str, str, Schema]]:
        """(method, path, body schema) of every route that takes a JSON body."""
        for path, operations in self.document["paths"].items():
            for method, operation in operations.items():
                body = operation.get("requestBody", {}).get("content", {})
                if "application/json" in body and path not in NOT_RECORD_WRITES:
                    yield method.upper(), path, self.resolve(body["application/json"]["schema"])


def _valid(name: str, schema: Schema) -> Any:
    """A value the field accepts, for the required fields around the one under test."""
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "email" or name == "email":
        return f"{unique('hostile')}@example.com"
    if "number" in name:
        return "+7916" + str(uuid.uuid4().int)[:7]
    if name == "content_type":
        return "application/pdf"
    return {"integer": 1, "boolean": True}.get(schema.get("type", ""), unique("hostile"))


async def _base_body(admin: Actor, api: OpenApi, schema: Schema) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        if name == "parent_id":  # a file belongs to a live record: a fresh contact
            contact = await admin.http.post("/api/v1/contacts", json={"name": unique("parent")})
            assert contact.status_code == 201, contact.text
            body.update(parent_type="contacts", parent_id=contact.json()["id"])
            continue
        if name == "parent_type":
            continue
        prop = api.variants(schema["properties"][name])[0]
        body[name] = _valid(name, prop)
    return body


def _put(body: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    """``body`` with ``value`` at ``path`` (``a``, ``a[0]``, ``a[0].b``, ``a.*key*``)."""
    head, _, rest = path.partition(".")
    if head.endswith("[0]"):
        name = head[:-3]
        if rest:
            return {**body, name: [_put({}, rest, value)]}
        return {**body, name: [value]}
    if rest == "*key*":
        return {**body, head: {value: "v"}}
    if rest:
        return {**body, head: _put(body.get(head, {}), rest, value)}
    return {**body, head: value}


def _at(data: Any, path: str) -> Any:
    for part in path.replace("[0]", ".0").split("."):
        if isinstance(data, list):
            data = data[int(part)] if data else None
        elif isinstance(data, dict):
            data = data.get(part)
    return data


@pytest.fixture(scope="module")
async def openapi(api_url: str) -> OpenApi:
    async with httpx.AsyncClient(base_url=api_url) as http:
        return OpenApi((await http.get("/api/openapi.json")).json())


async def _record_for(admin: Actor, api: OpenApi, path: str) -> str:
    """The URL of a fresh record (or list) that a ``{record_id}`` route acts on."""
    collection = path.split("/{record_id}", maxsplit=1)[0]
    create = api.document["paths"][collection]["post"]
    schema = api.resolve(create["requestBody"]["content"]["application/json"]["schema"])
    created = await _send(admin.http, "POST", collection, await _base_body(admin, api, schema))
    assert created.status_code == 201, created.text
    return path.replace("{record_id}", created.json()["id"])


async def test_every_string_field_of_every_write_route(admin: Actor, openapi: OpenApi) -> None:
    failures: list[str] = []
    tried = 0
    for method, path, schema in openapi.write_routes():
        base = {} if method == "PATCH" else await _base_body(admin, openapi, schema)
        for field, _leaf in openapi.string_leaves(schema):
            for label, value in {**UNSTORABLE, **STORABLE}.items():
                url = await _record_for(admin, openapi, path) if "{" in path else path
                headers = {"If-Match": "*"} if method == "PATCH" else {}
                answer = await _send(admin.http, method, url, _put(base, field, value), **headers)
                tried += 1
                where = f"{method} {path} {field} {label}: {answer.status_code} {answer.text[:300]}"
                if answer.status_code >= 500:
                    failures.append(where)
                elif label in UNSTORABLE:
                    named = [e["field"] for e in answer.json().get("errors") or []]
                    if answer.status_code != 422 or not any(
                        n == field.replace("*key*", value) or n.startswith(field.split(".")[0])
                        for n in named
                    ):
                        failures.append(where + f" (named {named})")
                elif answer.status_code in (200, 201) and "*key*" not in field:
                    failures += _round_trip_failures(answer, field, value, where)
                    stored = await admin.http.get(_record_url(url, method, answer))
                    if stored.status_code == 200:
                        failures += _round_trip_failures(stored, field, value, where + " (GET)")
    assert tried > 150, tried  # the generator found the routes and their fields
    assert not failures, "\n".join(failures)


def _record_url(url: str, method: str, answer: httpx.Response) -> str:
    record_id = answer.json().get("id")
    if method == "POST" and record_id and not url.endswith("/entries"):
        return f"{url.split('?', maxsplit=1)[0]}/{record_id}"
    return url


def _round_trip_failures(answer: httpx.Response, field: str, value: str, where: str) -> list[str]:
    stored = _at(answer.json(), field)
    if stored is None or stored == value:  # not in the read model (a password), or exact
        return []
    return [where + f" stored {str(stored)[:40]!r} instead of what was sent"]


@pytest.mark.parametrize(("label", "value"), list({**UNSTORABLE, **STORABLE}.items()))
@pytest.mark.parametrize("field", ["email", "password"])
async def test_login_with_hostile_text(api_url: str, field: str, label: str, value: str) -> None:
    body = {"email": "nobody@example.com", "password": "not-the-password", field: value}
    async with httpx.AsyncClient(base_url=api_url) as http:
        answer = await _send(http, "POST", "/api/v1/auth/login", body)
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    if label in UNSTORABLE:
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [field]


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth - 1):
        value = {"k": value}
    return value


@pytest.mark.parametrize("depth", [40, 1_000, 10_000])
async def test_deep_json_is_a_400(admin: Actor, depth: int) -> None:
    text = '{"name": "deep", "attributes": ' + '{"k": ' * depth + '"leaf"' + "}" * depth + "}"
    for method, url in (("POST", "/api/v1/contacts"), ("POST", "/api/v1/auth/login")):
        answer = await admin.http.request(
            method, url, content=text.encode(), headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0]["message"] == "nested too deep"


async def test_json_within_the_depth_limit_is_accepted(admin: Actor) -> None:
    attributes = _nested(20)
    answer = await admin.http.post(
        "/api/v1/contacts", json={"name": unique("nest"), "attributes": attributes}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["attributes"] == attributes


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/auth/login"])
async def test_a_json_route_refuses_a_body_that_is_not_json(
    admin: Actor, path: str, content_type: str | None
) -> None:
    body = json.dumps({"name": unique("plain"), "email": "a@example.com", "password": "x" * 8})
    headers = {"content-type": content_type} if content_type else {}
    request = admin.http.build_request("POST", path, content=body.encode(), headers=headers)
    if content_type is None:
        request.headers.pop("content-type", None)
    answer = await admin.http.send(request)
    assert answer.status_code == 415, answer.text
    assert answer.json()["errors"][0]["field"] == "Content-Type"


async def test_json_with_a_charset_or_a_json_suffix_is_json(admin: Actor) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        answer = await admin.http.post(
            "/api/v1/notes",
            content=json.dumps({"body": unique("ct")}).encode(),
            headers={"content-type": content_type},
        )
        assert answer.status_code == 201, (content_type, answer.text)


async def test_a_query_parameter_with_nul_is_a_400_naming_it(admin: Actor) -> None:
    for query in ("q=%00", "q=a%00b", "q=%ED%A0%80", "q=%FF"):
        answer = await admin.http.get(f"/api/v1/contacts?{query}")
        assert answer.status_code == 400, (query, answer.text)
        assert answer.json()["errors"][0] == {
            "field": "q",
            "message": "must not contain NUL characters or unpaired UTF-16 surrogates",
            "source": "query",
        }


async def test_if_match_compares_strongly_and_star_means_any(admin: Actor) -> None:
    created = await admin.http.post("/api/v1/notes", json={"body": unique("ifm")})
    url = f"/api/v1/notes/{created.json()['id']}"
    weak = await admin.http.patch(url, json={"body": "weak"}, headers={"If-Match": 'W/"1"'})
    assert weak.status_code == 412, weak.text
    strong = await admin.http.patch(url, json={"body": "strong"}, headers={"If-Match": '"1"'})
    assert strong.status_code == 200, strong.text
    assert strong.headers["etag"] == '"2"'
    star = await admin.http.patch(url, json={"body": "any"}, headers={"If-Match": "*"})
    assert star.status_code == 200, star.text
    assert star.headers["etag"] == '"3"'
    assert (await admin.http.get(url)).json()["body"] == "any"
    listed = await admin.http.patch(
        url, json={"body": "listed"}, headers={"If-Match": 'W/"3", "3"'}
    )
    assert listed.status_code == 200, listed.text
    two = await admin.http.patch(url, json={"body": "two"}, headers={"If-Match": '"4", "5"'})
    assert two.status_code == 400
    gone = f"/api/v1/notes/{uuid.uuid4()}"
    assert (
        await admin.http.patch(gone, json={"body": "x"}, headers={"If-Match": "*"})
    ).status_code == 404
    trash = await admin.http.delete(url, headers={"If-Match": "*"})
    assert trash.status_code == 200, trash.text
    weak_restore = await admin.http.post(f"{url}/restore", headers={"If-Match": 'W/"5"'})
    assert weak_restore.status_code == 412
