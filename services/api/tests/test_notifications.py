"""Notifications: each rule (a task given by someone else, due soon and overdue once each, a
mention, a missed call, a recording stored), preferences, and the notification center
(list, unread count, mark one / all read, only one's own)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.calls.entity import CALLS
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.notifications.jobs import notify_due_tasks
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import unit_of_work

from fixtures.auth import UserFactory
from fixtures.lifecycle import Actor, actor, unique


@pytest.fixture(scope="module")
async def agent2(api_url: str, employees: UserFactory) -> AsyncIterator[Actor]:
    async with actor(api_url, employees, "agent") as a:
        yield a


async def _mine(who: Actor, **params: Any) -> list[dict[str, Any]]:
    page = await who.http.get("/api/v1/notifications", params={"limit": 200, **params})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def _about(who: Actor, record_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [
        n
        for n in await _mine(who)
        if n["record_id"] == record_id and (kind is None or n["kind"] == kind)
    ]


async def _task(by: Actor, assignee: Actor | None, **extra: Any) -> dict[str, Any]:
    body = {"title": unique("task"), **extra}
    if assignee is not None:
        body["assignee_id"] = str(assignee.user.id)
    created = await by.http.post("/api/v1/tasks", json=body)
    assert created.status_code == 201, created.text
    task: dict[str, Any] = created.json()
    return task


async def test_task_assigned_by_someone_else_notifies(supervisor: Actor, agent: Actor) -> None:
    before = (await agent.http.get("/api/v1/notifications/unread-count")).json()["unread"]
    task = await _task(supervisor, agent)
    [told] = await _about(agent, task["id"])
    assert told["kind"] == "task_assigned"
    assert told["title"] == task["title"]
    assert told["actor_id"] == str(supervisor.user.id)
    assert told["read_at"] is None
    assert told["record_type"] == "tasks"
    after = (await agent.http.get("/api/v1/notifications/unread-count")).json()["unread"]
    assert after == before + 1
    assert await _about(supervisor, task["id"]) == []


async def test_task_assigned_by_yourself_does_not(agent: Actor) -> None:
    task = await _task(agent, agent)
    assert await _about(agent, task["id"]) == []


async def test_reassignment_notifies_the_new_assignee_once(
    supervisor: Actor, agent: Actor, agent2: Actor
) -> None:
    task = await _task(supervisor, agent)
    moved = await supervisor.http.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"assignee_id": str(agent2.user.id)},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    retitled = await supervisor.http.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "Renamed"}, headers={"If-Match": '"2"'}
    )
    assert retitled.status_code == 200
    assert [n["kind"] for n in await _about(agent2, task["id"])] == ["task_assigned"]


async def test_due_soon_and_overdue_once_each(
    supervisor: Actor, agent: Actor, resources: Resources
) -> None:
    lead = resources.settings.notifications_due_lead_minutes
    now = datetime.now(UTC)
    due = now + timedelta(minutes=lead // 2 or 1)
    task = await _task(supervisor, agent, due_at=due.isoformat())
    later = await _task(supervisor, agent, due_at=(now + timedelta(minutes=lead * 3)).isoformat())
    done = await _task(supervisor, agent, due_at=due.isoformat(), status="done")

    assert await notify_due_tasks(resources, now) >= 1
    assert [n["kind"] for n in await _about(agent, task["id"], "task_due_soon")] == [
        "task_due_soon"
    ]
    await notify_due_tasks(resources, now + timedelta(seconds=30))  # a rerun: nothing again
    assert len(await _about(agent, task["id"], "task_due_soon")) == 1
    assert await _about(agent, later["id"], "task_due_soon") == []
    assert await _about(agent, done["id"], "task_due_soon") == []
    assert await _about(agent, task["id"], "task_overdue") == []

    past_due = due + timedelta(minutes=1)
    assert await notify_due_tasks(resources, past_due) >= 1
    await notify_due_tasks(resources, past_due + timedelta(minutes=1))
    assert len(await _about(agent, task["id"], "task_overdue")) == 1
    assert len(await _about(agent, task["id"], "task_due_soon")) == 1
    assert await _about(agent, done["id"], "task_overdue") == []


async def test_mention_notifies_the_mentioned_once(
    supervisor: Actor, agent: Actor, agent2: Actor
) -> None:
    contact = (await supervisor.http.post("/api/v1/contacts", json={"name": unique("c")})).json()
    body = f"@[Agent One](user:{agent.user.id}) please call them back"
    note = await supervisor.http.post(
        "/api/v1/notes",
        json={"body": body, "related_type": "contacts", "related_id": contact["id"]},
    )
    assert note.status_code == 201, note.text
    [told] = await _about(agent, contact["id"], "mention")
    assert told["body"] == "@Agent One please call them back"
    assert told["actor_id"] == str(supervisor.user.id)
    assert told["record_type"] == "contacts"
    assert await _about(agent2, contact["id"]) == []
    edited = await supervisor.http.patch(
        f"/api/v1/notes/{note.json()['id']}",
        json={"body": body + f" with @[Agent Two](user:{agent2.user.id})"},
        headers={"If-Match": '"1"'},
    )
    assert edited.status_code == 200
    assert len(await _about(agent, contact["id"], "mention")) == 1  # not again
    assert len(await _about(agent2, contact["id"], "mention")) == 1  # newly mentioned


async def test_missed_call_notifies_the_extension_and_the_owner(
    supervisor: Actor, agent: Actor, agent2: Actor
) -> None:
    contact = (
        await supervisor.http.post(
            "/api/v1/contacts", json={"name": unique("owned"), "owner_id": str(agent2.user.id)}
        )
    ).json()
    call = await supervisor.http.post(
        "/api/v1/calls",
        json={
            "direction": "inbound",
            "status": "missed",
            "from_number": "+74951234567",
            "contact_id": contact["id"],
            "employee_id": str(agent.user.id),
        },
    )
    assert call.status_code == 201, call.text
    for who in (agent, agent2):
        [told] = await _about(who, contact["id"], "missed_call")
        assert told["title"] == contact["name"]
    answered = await supervisor.http.post(
        "/api/v1/calls",
        json={
            "direction": "inbound",
            "status": "completed",
            "contact_id": contact["id"],
            "employee_id": str(agent.user.id),
        },
    )
    assert answered.status_code == 201
    assert len(await _about(agent, contact["id"], "missed_call")) == 1


async def test_recording_stored_notifies_the_employee(
    supervisor: Actor, agent: Actor, resources: Resources, engine: AsyncEngine
) -> None:
    call = await supervisor.http.post(
        "/api/v1/calls",
        json={
            "direction": "outbound",
            "to_number": "+74951234567",
            "employee_id": str(agent.user.id),
        },
    )
    call_id = uuid.UUID(call.json()["id"])
    async with unit_of_work(resources) as uow:  # as the recording ingest stores it
        writer = RecordWriter(CALLS, uow, record_cache(resources))
        current = await writer.get(call_id, lock=True)
        assert current is not None
        await writer.update(current, {"recording_status": "stored", "recording_key": "k"})
    [told] = await _about(agent, str(call_id), "recording_ready")
    assert told["record_type"] == "calls"
    # Named by the number the agent called, not by the company's line or an empty caller.
    assert told["title"] == "+74951234567"


async def test_switched_off_kinds_are_not_created(supervisor: Actor, agent2: Actor) -> None:
    off = await agent2.http.put(
        "/api/v1/notifications/preferences", json={"disabled_kinds": ["task_assigned"]}
    )
    assert off.status_code == 200
    assert off.json() == {"disabled_kinds": ["task_assigned"]}
    task = await _task(supervisor, agent2)
    assert await _about(agent2, task["id"]) == []
    on = await agent2.http.put("/api/v1/notifications/preferences", json={"disabled_kinds": []})
    assert on.json() == {"disabled_kinds": []}
    assert (await agent2.http.get("/api/v1/notifications/preferences")).json() == on.json()
    bad = await agent2.http.put(
        "/api/v1/notifications/preferences", json={"disabled_kinds": ["everything"]}
    )
    assert bad.status_code == 400
    assert "disabled_kinds" in bad.text


async def test_mark_one_and_all_read_only_ones_own(
    supervisor: Actor, agent: Actor, agent2: Actor
) -> None:
    first = await _task(supervisor, agent)
    await _task(supervisor, agent)
    [told] = await _about(agent, first["id"])
    foreign = await agent2.http.post(f"/api/v1/notifications/{told['id']}/read")
    assert foreign.status_code == 404
    marked = await agent.http.post(f"/api/v1/notifications/{told['id']}/read")
    assert marked.status_code == 200
    assert marked.json()["marked"] == 1
    again = await agent.http.post(f"/api/v1/notifications/{told['id']}/read")
    assert again.json()["marked"] == 0
    unread = await _mine(agent, unread_only="true")
    assert told["id"] not in {n["id"] for n in unread}
    assert unread
    everything = await agent.http.post("/api/v1/notifications/read-all")
    assert everything.json() == {"marked": len(unread), "unread": 0}
    assert (await agent.http.get("/api/v1/notifications/unread-count")).json() == {"unread": 0}


async def test_pages_newest_first(supervisor: Actor, agent2: Actor) -> None:
    for _ in range(5):
        await _task(supervisor, agent2)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await agent2.http.get("/api/v1/notifications", params=params)).json()
        seen += [n["created_at"] + n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 5
    assert [s[:32] for s in seen] == sorted((s[:32] for s in seen), reverse=True)
    bad = await agent2.http.get("/api/v1/notifications", params={"cursor": "x"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_deleting_a_record_for_good_takes_its_notifications(
    admin: Actor, agent: Actor
) -> None:
    task = await _task(admin, agent)
    assert len(await _about(agent, task["id"])) == 1
    trashed = await admin.http.delete(f"/api/v1/tasks/{task['id']}")
    assert trashed.status_code == 200
    purged = await admin.http.delete(
        f"/api/v1/tasks/{task['id']}/permanent", headers={"If-Match": trashed.headers["ETag"]}
    )
    assert purged.status_code == 204, purged.text
    assert await _about(agent, task["id"]) == []
