"""Bad input of every kind is a 4xx problem naming the field, never a 500."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest

from fixtures.lifecycle import Actor, unique

PROBLEM = "application/problem+json"
MISSING = "00000000-0000-4000-8000-000000000000"

# (method, path, request kwargs, status, field named in errors or None)
CASES: list[tuple[str, str, dict[str, Any], int, str | None]] = [
    (
        "POST",
        "/api/v1/contacts",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        400,
        None,
    ),
    ("POST", "/api/v1/contacts", {"json": [1, 2]}, 400, None),
    ("POST", "/api/v1/contacts", {"json": {}}, 400, "name"),
    ("POST", "/api/v1/contacts", {"json": {"name": 5}}, 400, "name"),
    ("POST", "/api/v1/contacts", {"json": {"name": "x", "surprise": 1}}, 400, "surprise"),
    ("POST", "/api/v1/contacts", {"json": {"name": "x" * 201}}, 400, "name"),
    ("POST", "/api/v1/contacts", {"json": {"name": ""}}, 400, "name"),
    (
        "POST",
        "/api/v1/contacts",
        {"json": {"name": "x", "emails": ["not-an-email"]}},
        422,
        "emails[0]",
    ),
    (
        "POST",
        "/api/v1/contacts",
        {"json": {"name": "x", "phones": [{"number": "abc"}]}},
        422,
        "phones[0].number",
    ),
    (
        "POST",
        "/api/v1/contacts",
        {"json": {"name": "x", "phones": [{"type": "pager", "number": "+79123456789"}]}},
        400,
        "phones[0].type",
    ),
    (
        "POST",
        "/api/v1/contacts",
        {"json": {"name": "x", "phones": [{"number": "+79123456789", "x": 1}]}},
        400,
        "phones[0].x",
    ),
    (
        "POST",
        "/api/v1/contacts",
        {"json": {"name": "x", "owner_id": "not-a-uuid"}},
        400,
        "owner_id",
    ),
    ("POST", "/api/v1/contacts", {"json": {"name": "x", "tags": ["t"] * 51}}, 400, "tags"),
    ("POST", "/api/v1/deals", {"json": {"title": "x", "amount": "12.345"}}, 400, "amount"),
    ("POST", "/api/v1/deals", {"json": {"title": "x", "amount": 12}}, 400, "amount"),
    ("POST", "/api/v1/deals", {"json": {"title": "x", "currency": "rub"}}, 400, "currency"),
    (
        "POST",
        "/api/v1/deals",
        {"json": {"title": "x", "expected_close_date": "tomorrow"}},
        400,
        "expected_close_date",
    ),
    ("POST", "/api/v1/tasks", {"json": {"title": "x", "status": "bogus"}}, 400, "status"),
    (
        "POST",
        "/api/v1/tasks",
        {"json": {"title": "x", "due_at": "2026-13-45T00:00:00Z"}},
        400,
        "due_at",
    ),
    ("POST", "/api/v1/users", {"json": {"email": "nope", "full_name": "x"}}, 422, "email"),
    (
        "POST",
        "/api/v1/users",
        {"json": {"email": "a@b.test", "full_name": "x", "password": "short"}},
        400,
        "password",
    ),
    (
        "POST",
        "/api/v1/users",
        {"json": {"email": "a@b.test", "full_name": "x", "role": "root"}},
        400,
        "role",
    ),
    (
        "POST",
        "/api/v1/contacts",
        {
            "content": b'{"name":"' + b"x" * 300_000 + b'"}',
            "headers": {"content-type": "application/json"},
        },
        413,
        None,
    ),
    ("GET", "/api/v1/contacts/not-a-uuid", {}, 400, "record_id"),
    ("GET", "/api/v1/contacts/not-a-uuid/history", {}, 400, "record_id"),
    ("GET", f"/api/v1/contacts/{MISSING}", {}, 404, None),
    ("GET", f"/api/v1/contacts/{MISSING}/history", {}, 404, None),
    ("DELETE", f"/api/v1/contacts/{MISSING}", {}, 404, None),
    ("POST", f"/api/v1/contacts/{MISSING}/restore", {}, 404, None),
    ("DELETE", f"/api/v1/contacts/{MISSING}/permanent", {}, 404, None),
    (
        "PATCH",
        f"/api/v1/contacts/{MISSING}",
        {"json": {"name": "y"}, "headers": {"If-Match": '"1"'}},
        404,
        None,
    ),
    ("GET", "/api/v1/contacts", {"params": {"cursor": "garbage"}}, 400, "cursor"),
    ("GET", "/api/v1/contacts", {"params": {"cursor": "W10"}}, 400, "cursor"),
    ("GET", "/api/v1/contacts", {"params": {"limit": 0}}, 400, "limit"),
    ("GET", "/api/v1/contacts", {"params": {"limit": 201}}, 400, "limit"),
    ("GET", "/api/v1/contacts", {"params": {"limit": "ten"}}, 400, "limit"),
    ("GET", "/api/v1/contacts", {"params": {"sort": "password_hash"}}, 400, "sort"),
    ("GET", "/api/v1/contacts", {"params": {"owner_id": "nope"}}, 400, "owner_id"),
    ("GET", "/api/v1/contacts", {"params": {"q": "x" * 201}}, 400, "q"),
    ("GET", "/api/v1/deals", {"params": {"stage": "closed"}}, 400, "stage"),
    ("GET", "/api/v1/contacts/lookup", {}, 400, "phone"),
    ("GET", "/api/v1/contacts/lookup", {"params": {"phone": "12"}}, 422, "phone"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} {c[1][:40]} {c[4]}" for c in CASES])
async def test_bad_input_is_a_problem_naming_the_field(
    admin: Actor, case: tuple[str, str, dict[str, Any], int, str | None]
) -> None:
    method, path, kwargs, status, field = case
    response = await admin.http.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:switchboard:problem:")
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body


async def test_bad_if_match_headers(admin: Actor) -> None:
    created = await admin.http.post("/api/v1/notes", json={"body": unique("ifm")})
    url = f"/api/v1/notes/{created.json()['id']}"
    for header in ("abc", '"1', "1" * 20, '"1", "2"'):
        response = await admin.http.patch(url, json={"body": "x"}, headers={"If-Match": header})
        assert response.status_code == 400, header
        assert response.json()["errors"][0]["field"] == "If-Match"
    weak = await admin.http.patch(url, json={"body": "y"}, headers={"If-Match": 'W/"1"'})
    assert weak.status_code == 412  # RFC 9110: If-Match compares strongly


async def test_a_client_that_hangs_up_mid_body_is_not_a_server_error(
    api_url: str, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    """A closed tab or a client timeout is not our failure: no 500 in the logs, nothing
    written."""
    caplog.set_level(logging.INFO, logger="switchboard_api.errors")
    token = admin.http.headers["authorization"]
    parts = urlsplit(api_url)
    name = unique("Gone")
    _, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        b"POST /api/v1/contacts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: {token}\r\nContent-Length: 200\r\n\r\n".encode()
        + f'{{"name": "{name}"'.encode()  # and never the rest
    )
    await writer.drain()
    writer.close()
    for _ in range(50):
        if any("client went away" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    assert any("client went away" in r.getMessage() for r in caplog.records)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    found = await admin.http.get("/api/v1/contacts", params={"q": name})
    assert found.json()["items"] == []
