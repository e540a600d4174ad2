"""Telephony through the running stack: the PBX simulator plays calls as webhooks to the
stack's API, the stack's worker ingests recordings and syncs the PBX.

Every scripted scenario, in realistic, shuffled, reversed and duplicated delivery, must end
in exactly the expected call record.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.worker_jobs import telephony_reconcile
from switchboard_api.worker.context import WorkerContext

from fixtures.auth import Employee, UserFactory, api_token, client
from fixtures.lifecycle import Actor
from fixtures.telephony import (
    Simulator,
    call_row,
    eventually,
    random_extension,
    random_mobile,
    simulator,
    stored_events,
)

LINE = "74951234567"


@pytest.fixture(scope="module")
def api_url() -> str:
    """This module drives the whole stack through nginx, not an in-process API: the
    conftest's ``admin`` and ``employees`` follow."""
    url = os.environ.get("SB_BASE_URL")
    if not url:
        pytest.fail("SB_BASE_URL is not set: run the suite with `make test`")
    return url


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[Simulator]:
    async with simulator() as s:
        yield s


async def _contact(engine: AsyncEngine, number: str) -> uuid.UUID:
    async with engine.begin() as conn:
        contact_id: uuid.UUID = (
            await conn.execute(
                text(
                    "INSERT INTO contacts (name, company, phones, phone_numbers) VALUES "
                    "('Olga Caller', 'ACME', CAST(:p AS jsonb), ARRAY[:e]) RETURNING id"
                ),
                {"p": f'[{{"type":"mobile","number":"+{number}"}}]', "e": f"+{number}"},
            )
        ).scalar_one()
    return contact_id


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# (script, expected status, seconds from t0 to answer or None, to the end, talk seconds)
SCENARIOS: dict[str, tuple[dict[str, Any], str, int | None, int, int]] = {
    "inbound answered via IVR": (
        {"ivr": True, "ring_seconds": 6, "talk_seconds": 30},
        "completed",
        12,
        42,
        30,
    ),
    "inbound answered, shuffled twice over": (
        {"talk_seconds": 20, "delivery": {"order": "shuffled", "duplicates": 2, "seed": 7}},
        "completed",
        6,
        26,
        20,
    ),
    "inbound missed, reversed": (
        {"outcome": "missed", "ring_seconds": 25, "delivery": {"order": "reversed"}},
        "missed",
        None,
        25,
        0,
    ),
    "inbound busy, duplicated": (
        {"outcome": "busy", "delivery": {"duplicates": 1}},
        "missed",
        None,
        1,
        0,
    ),
    "outbound answered, shuffled": (
        {"direction": "outbound", "talk_seconds": 15, "delivery": {"order": "shuffled"}},
        "completed",
        6,
        21,
        15,
    ),
    "outbound not answered": (
        {"direction": "outbound", "outcome": "missed", "ring_seconds": 20},
        "failed",
        None,
        20,
        0,
    ),
    "internal answered, reversed": (
        {"direction": "internal", "talk_seconds": 9, "delivery": {"order": "reversed"}},
        "completed",
        6,
        15,
        9,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_ends_in_the_expected_call(
    name: str, sim: Simulator, engine: AsyncEngine, employees: UserFactory
) -> None:
    script, status, answered, ended, talk = SCENARIOS[name]
    extension, other = random_extension(), random_extension()
    employee = await employees.create("agent", extension=extension)
    number = random_mobile()
    contact_id = await _contact(engine, number)
    t0 = int(time.time()) - 300
    run = await sim.play(
        extension=extension,
        to_extension=other,
        number=number,
        line_number=LINE,
        started_at=t0,
        record=False,
        **script,
    )
    call = await call_row(engine, provider_call_id=run["entry_id"])
    assert call is not None
    direction = script.get("direction", "inbound")
    assert (call["direction"], call["status"], call["is_final"]) == (direction, status, True)
    assert call["started_at"] == _at(t0)
    assert call["answered_at"] == (_at(t0 + answered) if answered is not None else None)
    assert call["ended_at"] == _at(t0 + ended)
    assert call["talk_seconds"] == talk
    assert call["employee_id"] == employee.id
    if direction == "internal":
        assert (call["from_extension"], call["to_extension"]) == (extension, other)
        assert call["contact_id"] is None
    else:
        assert call["contact_id"] == contact_id
        external = call["from_number"] if direction == "inbound" else call["to_number"]
        assert external == f"+{number}"
        assert call["line_number"] == f"+{LINE}"
    # each distinct webhook stored once, however often it was delivered
    distinct = {(w["path"], w["json"]) for w in run["webhooks"]}
    assert await stored_events(engine, "%") >= len(distinct)
    async with engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM telephony_events WHERE entry_id = :e"),
                {"e": run["entry_id"]},
            )
        ).scalar_one()
    assert count == len(distinct)


async def test_recording_is_stored_once_with_its_measured_duration(
    sim: Simulator, engine: AsyncEngine, employees: UserFactory, settings: ApiSettings
) -> None:
    extension = random_extension()
    await employees.create("agent", extension=extension)
    run = await sim.play(
        extension=extension,
        number=random_mobile(),
        talk_seconds=7.25,
        record=True,
        recording_ready_delay=3,  # the first download attempt hears "not ready"
        delivery={"duplicates": 2},  # record/added arrives three times
    )
    assert sum(w["path"] == "/events/record/added" for w in run["webhooks"]) == 3

    async def stored() -> dict[str, Any] | None:
        call = await call_row(engine, provider_call_id=run["entry_id"])
        return call if call and call["recording_status"] == "stored" else None

    call = await eventually(stored, seconds=90, what="the recording to be stored by the worker")
    assert 7.2 <= call["recording_duration"] <= 7.3
    assert call["recording_content_type"] == "audio/mpeg"
    assert await stored_events(engine, f"record_added:{run['recording_id']}") == 1
    async with open_resources(settings) as resources, resources.s3_client() as s3:
        head = await s3.head_object(Bucket=settings.s3_bucket, Key=call["recording_key"])
    assert head["ContentLength"] == call["recording_size"] > 10_000
    async with engine.connect() as conn:
        changes = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM entity_events WHERE entity_id = :id "
                    "AND changes -> 'recording_status' ->> 'after' = 'stored'"
                ),
                {"id": call["id"]},
            )
        ).scalar_one()
    assert changes == 1  # stored once, not three times


async def test_click_to_call_and_member_sync(
    sim: Simulator, engine: AsyncEngine, admin: Actor, api_url: str
) -> None:
    extension = random_extension()
    email = f"tel-{uuid.uuid4().hex[:10]}@example.test"
    created = await admin.http.post(
        "/api/v1/users",
        json={
            "email": email,
            "full_name": "Dial Tester",
            "role": "agent",
            "extension": extension,
            "password": "a long test password",
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    try:
        # creating the user made its PBX member (after commit, by the worker)
        member = await eventually(lambda: sim.member(extension), what="the PBX member")
        assert member["general"]["name"] == "Dial Tester"

        employee = Employee(uuid.UUID(user["id"]), email, "agent", "a long test password")
        async with client(api_url) as login:
            token = await api_token(login, employee)
        headers = {"authorization": f"Bearer {token}"}
        number = random_mobile()
        dialed = await admin.http.post(
            "/api/v1/calls/dial", json={"to_number": f"+{number}"}, headers=headers
        )
        assert dialed.status_code == 201, dialed.text
        call = dialed.json()
        assert (call["direction"], call["status"], call["employee_id"]) == (
            "outbound",
            "ringing",
            user["id"],
        )
        assert dialed.headers["location"] == f"/api/v1/calls/{call['id']}"

        async def finished() -> dict[str, Any] | None:
            row = await call_row(engine, id=uuid.UUID(call["id"]))
            return row if row and row["is_final"] else None

        final = await eventually(finished, seconds=60, what="the click-to-call to finish")
        assert final["status"] == "completed"
        assert final["command_id"] == call["command_id"]
        assert final["provider_call_id"] is not None
        assert final["to_number"] == f"+{number}"
        assert final["employee_id"] == uuid.UUID(user["id"])
        assert final["talk_seconds"] == 5  # the simulator's click-to-call talk time
        runs = await sim.runs_for(call["command_id"])
        assert len(runs) == 1
        assert runs[0]["entry_id"] == final["provider_call_id"]

        # renaming the employee renames the member; trashing removes it
        renamed = await admin.http.patch(
            f"/api/v1/users/{user['id']}",
            json={"full_name": "Dial Renamed"},
            headers={"If-Match": '"1"'},
        )
        assert renamed.status_code == 200, renamed.text

        async def member_renamed() -> bool:
            found = await sim.member(extension)
            return bool(found and found["general"]["name"] == "Dial Renamed")

        await eventually(member_renamed, what="the member to be renamed")
        trashed = await admin.http.delete(f"/api/v1/users/{user['id']}")
        assert trashed.status_code == 200

        async def member_gone() -> bool:
            return await sim.member(extension) is None

        await eventually(member_gone, what="the member to be removed")
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": user["id"]})


async def _line_state(engine: AsyncEngine, number: str) -> tuple[bool, list[str]] | None:
    """Whether the line with ``number`` is in the trash, and its event actions in order."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id, deleted_at FROM phone_lines WHERE number = :n"), {"n": number}
            )
        ).one_or_none()
        if row is None:
            return None
        actions = (
            await conn.execute(
                text(
                    "SELECT action FROM entity_events WHERE entity_type = 'phone_lines'"
                    " AND entity_id = :id ORDER BY id"
                ),
                {"id": row.id},
            )
        ).scalars()
        return row.deleted_at is not None, list(actions)


async def test_a_line_gone_from_the_pbx_goes_to_the_trash_and_comes_back_with_it(
    sim: Simulator, engine: AsyncEngine, settings: ApiSettings, admin: Actor
) -> None:
    pbx_number = f"7495{random_mobile()[-7:]}"  # as Mango writes it
    number = f"+{pbx_number}"
    line = await sim.add_line(pbx_number, "Temporary line")

    async def reconcile() -> None:
        async with open_resources(settings) as resources:
            ctx: WorkerContext = {"resources": resources}  # type: ignore[typeddict-item]
            await telephony_reconcile(ctx)

    await reconcile()
    assert await _line_state(engine, number) == (False, ["created"])
    await sim.remove_line(line["line_id"])
    await reconcile()
    assert await _line_state(engine, number) == (True, ["created", "trashed"])
    await reconcile()  # nothing more to do
    assert await _line_state(engine, number) == (True, ["created", "trashed"])
    await sim.add_line(pbx_number, "Temporary line")  # the operator gives the number back
    await reconcile()
    assert await _line_state(engine, number) == (False, ["created", "trashed", "restored"])
    # an employee's decision stands: a line they trashed stays there while still on the PBX
    listed = await admin.http.get("/api/v1/phone_lines", params={"q": pbx_number[-7:]})
    (record,) = [r for r in listed.json()["items"] if r["number"] == number]
    trashed = await admin.http.delete(
        f"/api/v1/phone_lines/{record['id']}", headers={"If-Match": f'"{record["version"]}"'}
    )
    assert trashed.status_code == 200, trashed.text
    await reconcile()
    state = await _line_state(engine, number)
    assert state is not None
    assert state[0]
    assert state[1][-1] == "trashed"


async def test_reconciliation_syncs_lines_and_lists(
    sim: Simulator, engine: AsyncEngine, admin: Actor, settings: ApiSettings
) -> None:
    async with open_resources(settings) as resources:
        ctx: WorkerContext = {"resources": resources}  # type: ignore[typeddict-item]
        report = await telephony_reconcile(ctx)
    assert "lines" in report
    async with engine.connect() as conn:
        numbers = set(
            (await conn.execute(text("SELECT number FROM phone_lines WHERE deleted_at IS NULL")))
            .scalars()
            .all()
        )
    assert {"+74951234567", "+78005553535"} <= numbers

    # a blocked number reaches the PBX's black list (after commit, by the worker) and leaves it
    created = await admin.http.post(
        "/api/v1/number_lists", json={"name": f"Spam {uuid.uuid4().hex[:6]}", "kind": "blacklist"}
    )
    assert created.status_code == 201, created.text
    number_list = created.json()
    number = random_mobile()
    added = await admin.http.post(
        f"/api/v1/number_lists/{number_list['id']}/entries", json={"number": f"+{number}"}
    )
    assert added.status_code == 201, added.text

    async def black_numbers() -> set[str]:
        lists = (await sim.state())["lists"]
        return {n["number"] for n in lists["black"]["numbers"]}

    await eventually(lambda: _contains(black_numbers, number), what="the number on the PBX list")
    trashed = await admin.http.delete(f"/api/v1/number_lists/{number_list['id']}")
    assert trashed.status_code == 200
    await eventually(lambda: _lacks(black_numbers, number), what="the number to leave the list")


async def _contains(read: Any, number: str) -> bool:
    return number in await read()


async def _lacks(read: Any, number: str) -> bool:
    return number not in await read()
