"""The work around a call, through the PBX simulator's real signed webhooks and the stack's
API: the missed-call loop (a call-back task for the right person, no duplicates, closed with
its reason by an answered call in either direction), the wrap-up prompt and its links, and
the reconciliation of lost webhooks with the PBX's call history."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.worker_jobs import telephony_reconcile_history
from switchboard_api.worker.context import WorkerContext

from fixtures.auth import Employee, UserFactory, api_token, client
from fixtures.telephony import (
    Simulator,
    call_row,
    random_extension,
    random_mobile,
    simulator,
)
from realtime_support.pusher_socket import PusherSocket, app_url

FAST = {"gap": 0.05}


@pytest.fixture(scope="module")
async def engine(settings: ApiSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url.get_secret_value(), pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[Simulator]:
    async with simulator() as s:
        yield s


async def _http_as(base_url: str, user: Employee) -> httpx.AsyncClient:
    async with client(base_url) as login:
        token = await api_token(login, user)
    return httpx.AsyncClient(
        base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=30
    )


async def _contact(engine: AsyncEngine, number: str, owner: uuid.UUID | None) -> uuid.UUID:
    async with engine.begin() as conn:
        contact_id: uuid.UUID = (
            await conn.execute(
                text(
                    "INSERT INTO contacts (name, phones, phone_numbers, owner_id) VALUES "
                    "(:n, CAST(:p AS jsonb), ARRAY[:e], :o) RETURNING id"
                ),
                {
                    "n": f"Caller {number[-4:]}",
                    "p": f'[{{"type":"mobile","number":"+{number}"}}]',
                    "e": f"+{number}",
                    "o": owner,
                },
            )
        ).scalar_one()
    return contact_id


async def _line(engine: AsyncEngine, responsible: uuid.UUID | None) -> str:
    """A company line (digits, as Mango writes it) with a responsible employee."""
    number = f"7495{secrets.randbelow(10**7):07d}"
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO phone_lines (number, responsible_id) VALUES (:n, :r)"),
            {"n": f"+{number}", "r": responsible},
        )
    return number


async def _callback_tasks(engine: AsyncEngine, number: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT t.*, u.role AS assignee_role FROM tasks t "
                "LEFT JOIN users u ON u.id = t.assignee_id "
                "WHERE t.callback_number = :n ORDER BY t.created_at"
            ),
            {"n": f"+{number}"},
        )
        return [dict(r) for r in rows.mappings().all()]


async def _missed(sim: Simulator, number: str, **script: Any) -> dict[str, Any]:
    return await sim.play(
        outcome="missed", number=number, ring_seconds=5, record=False, delivery=FAST, **script
    )


async def test_missed_call_task_goes_to_the_owner_once_and_an_outbound_answer_closes_it(
    base_url: str, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    owner = await users.create("agent")
    extension = random_extension()
    await users.create("agent", extension=extension)  # who the PBX rang
    number = random_mobile()
    contact_id = await _contact(engine, number, owner.id)
    before = datetime.now(UTC)
    await _missed(sim, number, extension=extension)
    await _missed(sim, number, extension=extension)  # a second miss: still one task
    tasks = await _callback_tasks(engine, number)
    assert len(tasks) == 1, tasks
    task = tasks[0]
    assert task["assignee_id"] == owner.id
    assert (task["status"], task["priority"]) == ("open", "high")
    # Written in the workspace's language (Russian unless set otherwise).
    assert task["title"].startswith("Перезвонить: ")
    assert task["description"].startswith(f"Пропущенный звонок с +{number}, ")
    assert (task["related_type"], task["related_id"]) == ("contacts", contact_id)
    due_in = task["due_at"] - before
    assert timedelta(minutes=14) < due_in < timedelta(minutes=16), due_in
    missed = await call_row(engine, from_number=f"+{number}", status="missed")
    assert missed is not None
    assert missed["contact_id"] == contact_id

    # Whoever calls the number back and is answered closes it, with the reason in history.
    run = await sim.play(
        direction="outbound", number=number, extension=extension, talk_seconds=3,
        record=False, delivery=FAST,
    )  # fmt: skip
    answered = await call_row(engine, provider_call_id=run["entry_id"])
    assert answered is not None
    assert answered["status"] == "completed"
    [closed] = await _callback_tasks(engine, number)
    assert closed["status"] == "done"
    assert closed["closed_by_call_id"] == answered["id"]
    assert closed["closed_reason"] is None  # the link says why, in each reader's language
    async with await _http_as(base_url, owner) as http:
        history = (await http.get(f"/api/v1/tasks/{closed['id']}/history")).json()["items"]
    last = history[-1]
    assert last["actor_id"] is None  # the system closed it
    assert last["changes"]["status"] == {"before": "open", "after": "done"}
    assert last["changes"]["closed_by_call_id"] == {"before": None, "after": str(answered["id"])}


async def test_no_owner_goes_to_the_lines_responsible_and_an_inbound_answer_closes_it(
    engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    responsible = await users.create("agent")
    extension = random_extension()
    await users.create("agent", extension=extension)
    line = await _line(engine, responsible.id)
    number = random_mobile()
    await _contact(engine, number, None)
    await _missed(sim, number, extension=extension, line_number=line)
    [task] = await _callback_tasks(engine, number)
    assert task["assignee_id"] == responsible.id
    await sim.play(number=number, extension=extension, line_number=line, talk_seconds=2,
                   ring_seconds=1, record=False, delivery=FAST)  # fmt: skip
    [closed] = await _callback_tasks(engine, number)
    assert closed["status"] == "done"
    inbound = await call_row(engine, from_number=f"+{number}", status="completed")
    assert inbound is not None
    assert closed["closed_by_call_id"] == inbound["id"]


async def test_no_owner_nor_responsible_goes_to_a_supervisor_and_unknown_numbers_get_none(
    engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    await users.create("supervisor")
    extension = random_extension()
    await users.create("agent", extension=extension)
    line = await _line(engine, None)
    number = random_mobile()
    await _contact(engine, number, None)
    await _missed(sim, number, extension=extension, line_number=line)
    [task] = await _callback_tasks(engine, number)
    assert task["assignee_role"] == "supervisor"
    stranger = random_mobile()
    run = await _missed(sim, stranger, extension=extension)
    call = await call_row(engine, provider_call_id=run["entry_id"])
    assert call is not None
    assert call["status"] == "missed"
    assert call["contact_id"] is None
    assert await _callback_tasks(engine, stranger) == []


async def _subscribe(
    base_url: str, settings: ApiSettings, http: httpx.AsyncClient, user: Employee
) -> PusherSocket:
    realtime = os.environ.get("SB_REALTIME_URL", base_url)
    socket = await PusherSocket.connect(app_url(realtime, settings.realtime_key))
    channel = f"private-user.{user.id}"
    response = await http.post(
        "/api/v1/realtime/auth", json={"socket_id": socket.socket_id, "channel_name": channel}
    )
    assert response.status_code == 200, response.text
    reply = await socket.subscribe(channel, auth=response.json()["auth"])
    assert reply["event"] == "pusher_internal:subscription_succeeded", reply
    return socket


async def _outcome(engine: AsyncEngine) -> uuid.UUID:
    async with engine.connect() as conn:
        found: uuid.UUID = (
            await conn.execute(
                text(
                    "SELECT id FROM call_outcomes WHERE deleted_at IS NULL "
                    "ORDER BY position LIMIT 1"
                )
            )
        ).scalar_one()
    return found


async def test_answered_call_prompts_a_wrap_up_that_links_call_contact_and_deal(
    base_url: str, settings: ApiSettings, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    extension = random_extension()
    agent = await users.create("agent", extension=extension)
    other = await users.create("agent")
    number = random_mobile()
    contact_id = await _contact(engine, number, agent.id)
    async with engine.begin() as conn:
        deal_id = (
            await conn.execute(
                text(
                    "INSERT INTO deals (title, contact_id, stage, amount, currency) VALUES "
                    "('Renewal', :c, 'proposal', 100, 'RUB') RETURNING id"
                ),
                {"c": contact_id},
            )
        ).scalar_one()
    async with await _http_as(base_url, agent) as http:
        socket = await _subscribe(base_url, settings, http, agent)
        async with socket:
            run = await sim.play(number=number, extension=extension, talk_seconds=2,
                                 ring_seconds=1, record=False, delivery=FAST)  # fmt: skip
            await socket.collect(15, until="call.wrap_up")
        prompts = [
            json.loads(e["data"]) for e in socket.received if e.get("event") == "call.wrap_up"
        ]
        call = await call_row(engine, provider_call_id=run["entry_id"])
        assert call is not None
        assert len(prompts) == 1, socket.received
        assert prompts[0]["call_id"] == str(call["id"])
        assert prompts[0]["contact_id"] == str(contact_id)
        assert prompts[0]["deal_id"] == str(deal_id)
        assert prompts[0]["deal_title"] == "Renewal"

        url = f"/api/v1/calls/{call['id']}/wrap-up"
        outcome_id = await _outcome(engine)
        body = {
            "outcome_id": str(outcome_id),
            "note": "Wants the bigger plan",
            "follow_up": {"title": "Send the offer", "due_at": "2030-01-01T10:00:00Z"},
        }
        async with await _http_as(base_url, other) as stranger:
            assert (await stranger.post(url, json=body)).status_code == 403
        bad = await http.post(url, json={**body, "outcome_id": str(uuid.uuid4())})
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == "outcome_id"
        done = await http.post(url, json=body)
        assert done.status_code == 201, done.text
        wrapped = done.json()
        again = await http.post(url, json=body)
        assert again.status_code == 409
        note = (await http.get(f"/api/v1/notes/{wrapped['wrap_up_note_id']}")).json()
        task = (await http.get(f"/api/v1/tasks/{wrapped['follow_up_task_id']}")).json()
    assert wrapped["outcome_id"] == str(outcome_id)
    assert wrapped["deal_id"] == str(deal_id)
    assert wrapped["contact_id"] == str(contact_id)
    assert (note["related_type"], note["related_id"]) == ("deals", str(deal_id))
    assert (note["body"], note["author_id"]) == ("Wants the bigger plan", str(agent.id))
    assert (task["related_type"], task["related_id"]) == ("deals", str(deal_id))
    assert (task["title"], task["assignee_id"]) == ("Send the offer", str(agent.id))


async def test_missed_call_prompts_no_wrap_up_and_cannot_be_wrapped_up(
    base_url: str, settings: ApiSettings, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    extension = random_extension()
    agent = await users.create("agent", extension=extension)
    async with await _http_as(base_url, agent) as http:
        socket = await _subscribe(base_url, settings, http, agent)
        async with socket:
            run = await _missed(sim, random_mobile(), extension=extension)
            await socket.collect(2)
        assert not [e for e in socket.received if e.get("event") == "call.wrap_up"]
        call = await call_row(engine, provider_call_id=run["entry_id"])
        assert call is not None
        response = await http.post(
            f"/api/v1/calls/{call['id']}/wrap-up", json={"outcome_id": str(await _outcome(engine))}
        )
    assert response.status_code == 409, response.text


async def test_reconciliation_creates_only_the_calls_webhooks_lost_and_is_idempotent(
    base_url: str, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    admin = await users.create("admin")
    owner = await users.create("agent")
    extension = random_extension()
    await users.create("agent", extension=extension)
    number = random_mobile()
    contact_id = await _contact(engine, number, owner.id)
    # A period of our own, years ago, so no other test's call is in it.
    start = 1_500_000_000 + secrets.randbelow(10**8) // 60 * 60
    lost = await sim.play(outcome="missed", number=number, extension=extension, ring_seconds=5,
                          record=False, started_at=start,
                          delivery={"lost": True})  # fmt: skip
    delivered = await sim.play(number=random_mobile(), extension=extension, talk_seconds=3,
                               record=False, started_at=start + 60, delivery=FAST)  # fmt: skip
    assert lost["webhooks"] == []
    assert await call_row(engine, provider_call_id=lost["entry_id"]) is None
    kept = await call_row(engine, provider_call_id=delivered["entry_id"])
    assert kept is not None
    period = {
        "date_from": datetime.fromtimestamp(start - 1, UTC).isoformat(),
        "date_to": datetime.fromtimestamp(start + 600, UTC).isoformat(),
    }
    async with await _http_as(base_url, admin) as http:
        first = await http.post("/api/v1/telephony/call-history/reconcile", json=period)
        assert first.status_code == 200, first.text
        second = await http.post("/api/v1/telephony/call-history/reconcile", json=period)
        backwards = {"date_from": period["date_to"], "date_to": period["date_from"]}
        bad = await http.post("/api/v1/telephony/call-history/reconcile", json=backwards)
    assert (first.json()["reported"], first.json()["created"], first.json()["existing"]) == (
        2,
        1,
        1,
    )
    assert (second.json()["created"], second.json()["existing"]) == (0, 2)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "date_to"
    created = await call_row(engine, provider_call_id=lost["entry_id"])
    assert created is not None
    assert (created["status"], created["direction"], created["is_final"]) == (
        "missed",
        "inbound",
        True,
    )
    assert created["from_number"] == f"+{number}"
    assert created["contact_id"] == contact_id
    assert created["started_at"] == datetime.fromtimestamp(start, UTC)
    after = await call_row(engine, provider_call_id=delivered["entry_id"])
    assert after is not None
    assert after["version"] == kept["version"]
    # Created through the same fold: the missed call from a contact got its call-back task.
    [task] = await _callback_tasks(engine, number)
    assert task["assignee_id"] == owner.id
    async with engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM calls WHERE provider_call_id = :e"),
                {"e": lost["entry_id"]},
            )
        ).scalar_one()
    assert count == 1


async def test_only_admins_reconcile(base_url: str, users: UserFactory) -> None:
    period = {"date_from": "2020-01-01T00:00:00Z", "date_to": "2020-01-02T00:00:00Z"}
    for role in ("agent", "supervisor"):
        async with await _http_as(base_url, await users.create(role)) as http:
            response = await http.post("/api/v1/telephony/call-history/reconcile", json=period)
        assert response.status_code == 403, (role, response.text)


async def test_the_nightly_job_reconciles_the_last_days(
    settings: ApiSettings, engine: AsyncEngine, users: UserFactory, sim: Simulator
) -> None:
    extension = random_extension()
    await users.create("agent", extension=extension)
    lost = await sim.play(number=random_mobile(), extension=extension, talk_seconds=2,
                          ring_seconds=1, record=False,
                          delivery={"lost": True})  # fmt: skip
    assert await call_row(engine, provider_call_id=lost["entry_id"]) is None
    async with open_resources(settings) as resources:
        report = await telephony_reconcile_history(cast(WorkerContext, {"resources": resources}))
    assert report["created"] >= 1
    call = await call_row(engine, provider_call_id=lost["entry_id"])
    assert call is not None
    assert (call["status"], call["talk_seconds"], call["is_final"]) == ("completed", 2, True)


async def test_admins_edit_the_outcome_list_everyone_reads_it(
    base_url: str, users: UserFactory
) -> None:
    name = f"Outcome {secrets.token_hex(4)}"
    async with await _http_as(base_url, await users.create("admin")) as admin:
        created = await admin.post("/api/v1/call_outcomes", json={"name": name, "position": 9})
        assert created.status_code == 201, created.text
        empty = await admin.post("/api/v1/call_outcomes", json={"name": ""})
        assert empty.status_code in (400, 422)
    for role in ("agent", "supervisor"):
        async with await _http_as(base_url, await users.create(role)) as http:
            listed = (await http.get("/api/v1/call_outcomes", params={"limit": 100})).json()
            assert name in [o["name"] for o in listed["items"]]
            refused = await http.post("/api/v1/call_outcomes", json={"name": "Mine"})
            assert refused.status_code == 403, (role, refused.text)
