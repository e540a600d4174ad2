"""One change followed through the logs: the request id of a PATCH is in the API's line for
its change event, the worker's line for publishing it and the realtime node's line for
receiving it (every process writes JSON lines; the stack's log prefixes each with its name)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.auth import UserFactory
from fixtures.lifecycle import Actor, actor, unique


def stack_log() -> Path:
    return Path(os.environ["SB_STATE_DIR"]) / "logs" / "stack.log"


def lines_with(request_id: str) -> dict[str, list[dict[str, Any]]]:
    """The JSON log lines naming ``request_id``, by the program that wrote them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in stack_log().read_text(errors="replace").splitlines():
        program, sep, text = line.partition(" | ")
        if not sep or request_id not in text:
            continue
        record = json.loads(text)  # the line is JSON: a forged id could not break it
        if request_id in str(record.get("request_id", "")).split(","):
            found.setdefault(program.strip(), []).append(record)
    return found


@pytest.fixture
async def writer(base_url: str, users: UserFactory) -> AsyncIterator[Actor]:
    async with actor(base_url, users, "admin") as signed_in:
        yield signed_in


async def test_the_request_id_of_a_patch_is_in_the_api_worker_and_realtime_logs(
    writer: Actor,
) -> None:
    created = await writer.http.post("/api/v1/contacts", json={"name": unique("traced")})
    assert created.status_code == 201
    request_id = "test-" + secrets.token_hex(8)
    patched = await writer.http.patch(
        created.headers["location"],
        json={"company": "Traced Ltd"},
        headers={"if-match": created.headers["etag"], "x-request-id": request_id},
    )
    assert patched.status_code == 200
    version = patched.json()["version"]
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        found = lines_with(request_id)
        if {"api", "worker", "realtime"} <= set(found):
            break
        assert asyncio.get_running_loop().time() < deadline, f"only in {sorted(found)}"
        await asyncio.sleep(0.3)
    (recorded,) = [r for r in found["api"] if r["logger"] == "switchboard_api.events"]
    assert recorded["action"] == "updated"
    assert recorded["entity_id"] == patched.json()["id"]
    assert recorded["message"].endswith(f"version {version}")
    assert any(r["message"].startswith("published offsets") for r in found["worker"])
    assert any("batch_events" in r["message"] for r in found["realtime"])
    for records in found.values():
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


async def test_a_forged_request_id_is_replaced_not_logged(writer: Actor) -> None:
    created = await writer.http.post(
        "/api/v1/contacts",
        json={"name": unique("forged")},
        headers={"x-request-id": 'evil"\\nid'},
    )
    assert created.status_code == 201
    await asyncio.sleep(0.5)
    assert "evil" not in stack_log().read_text(errors="replace")
