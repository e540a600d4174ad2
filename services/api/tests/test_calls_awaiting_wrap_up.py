"""``GET /api/v1/calls/awaiting-wrap-up``: the caller's own answered calls of the last hours
that still wait for a wrap-up (what a page offers at start and on reconnect), along the
partial index that serves it; a wrap-up takes the call off the list."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.calls.repository import awaiting_wrap_up_query
from switchboard_api.db.calls import Call

from fixtures.auth import UserFactory
from fixtures.lifecycle import Actor, actor, unique

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def other_agent(api_url: str, employees: UserFactory) -> AsyncIterator[Actor]:
    async with actor(api_url, employees, "agent") as a:
        yield a


async def _call(engine: AsyncEngine, employee: uuid.UUID, **values: Any) -> uuid.UUID:
    """A call as the PBX's webhooks leave it: answered an hour ago, ended, not wrapped up."""
    row: dict[str, Any] = {
        "provider": "mango",
        "provider_call_id": f"wrap-{secrets.token_hex(8)}",
        "direction": "inbound",
        "status": "completed",
        "is_final": True,
        "from_number": "+79161234567",
        "to_number": "+74951112233",
        "employee_id": employee,
        "started_at": NOW - timedelta(hours=1, minutes=2),
        "answered_at": NOW - timedelta(hours=1, minutes=1),
        "ended_at": NOW - timedelta(hours=1),
        "talk_seconds": 60,
        **values,
    }
    async with engine.begin() as conn:
        stmt = insert(Call).values(**row).returning(Call.id)
        call_id: uuid.UUID = (await conn.execute(stmt)).scalar_one()
    return call_id


async def test_my_answered_calls_without_wrap_up_are_listed_until_wrapped_up(
    agent: Actor, other_agent: Actor, engine: AsyncEngine
) -> None:
    me = agent.user.id
    contact = (await agent.http.post("/api/v1/contacts", json={"name": unique("wrap")})).json()
    deal = await agent.http.post(
        "/api/v1/deals", json={"title": "Renewal", "contact_id": contact["id"], "amount": "10"}
    )
    assert deal.status_code == 201, deal.text
    waiting = await _call(engine, me, contact_id=contact["id"])
    outbound = await _call(
        engine,
        me,
        direction="outbound",
        to_number="+79035550101",
        ended_at=NOW - timedelta(hours=3),
    )
    old = await _call(engine, me, ended_at=NOW - timedelta(hours=30))
    # None of these is offered: done, never answered, not over, a colleague, logged by hand,
    # trashed, someone else's.
    await _call(engine, me, wrapped_up_at=NOW)
    await _call(engine, me, status="missed", answered_at=None, talk_seconds=None)
    await _call(engine, me, status="in_progress", is_final=False, ended_at=None)
    await _call(engine, me, direction="internal", from_number=None, to_number=None)
    await _call(engine, me, provider="manual", provider_call_id=None)
    await _call(engine, me, deleted_at=NOW)
    await _call(engine, other_agent.user.id)

    listed = await agent.http.get("/api/v1/calls/awaiting-wrap-up")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["call_id"] for i in items] == [str(waiting), str(outbound)]
    first, second = items
    assert (first["contact_name"], first["deal_title"]) == (contact["name"], "Renewal")
    assert (first["number"], first["direction"]) == ("+79161234567", "inbound")
    assert (second["number"], second["contact_id"], second["deal_id"]) == (
        "+79035550101",
        None,
        None,
    )
    wider = (await agent.http.get("/api/v1/calls/awaiting-wrap-up?within_hours=48")).json()
    assert [i["call_id"] for i in wider["items"]] == [str(waiting), str(outbound), str(old)]

    outcome = (await agent.http.get("/api/v1/call_outcomes", params={"limit": 1})).json()
    done = await agent.http.post(
        f"/api/v1/calls/{waiting}/wrap-up", json={"outcome_id": outcome["items"][0]["id"]}
    )
    assert done.status_code == 201, done.text
    after = (await agent.http.get("/api/v1/calls/awaiting-wrap-up")).json()
    assert [i["call_id"] for i in after["items"]] == [str(outbound)]


@pytest.mark.parametrize("hours", ["0", "169", "day"])
async def test_a_bad_window_is_a_400_naming_the_field(agent: Actor, hours: str) -> None:
    response = await agent.http.get(f"/api/v1/calls/awaiting-wrap-up?within_hours={hours}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "within_hours" in response.text


async def test_the_list_is_read_along_its_partial_index(engine: AsyncEngine) -> None:
    stmt = awaiting_wrap_up_query(uuid.uuid4(), NOW - timedelta(hours=24), 50)
    sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    async with engine.connect() as conn:
        # The table is small here: without this the planner would rightly read it whole.
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = (await conn.exec_driver_sql(f"EXPLAIN {sql}")).scalars().all()
    assert any("ix_calls_awaiting_wrap_up" in line for line in plan), "\n".join(plan)
