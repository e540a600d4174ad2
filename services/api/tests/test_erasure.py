"""Erasure on the real stack (PostgreSQL, Redis, SeaweedFS): a purged call's recording leaves
the bucket and its events keep no values; a purged contact's calls and deals lose the link
as writes of their own; an S3 outage delays an object's deletion but never forgets it; and
recordings past their retention are deleted while their calls stay."""

from __future__ import annotations

import secrets
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, update

from switchboard_api.calls.entity import CALLS
from switchboard_api.db.calls import Call
from switchboard_api.db.erasure import Erasure, PendingObjectDeletion
from switchboard_api.db.events import EntityEvent
from switchboard_api.erasure.objects import ObjectsLeft, delete_pending_objects
from switchboard_api.events.sequencer import sequence_pending
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.job_queue import queue_of
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.recording_retention import expire_recordings

from fixtures.lifecycle import Actor, unique

RETENTION_DAYS = 30


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A queue of our own: no worker of the stack runs this module's jobs behind its back.
    return settings.model_copy(
        update={
            "worker_queue": f"erasure-{secrets.token_hex(4)}",
            "telephony_recording_retention_days": RETENTION_DAYS,
        }
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _call_with_recording(admin: Actor, resources: Resources, **body: Any) -> dict[str, Any]:
    """A call whose recording is stored in S3 (put there and attached as the ingest does)."""
    created = await admin.http.post(
        "/api/v1/calls", json={"direction": "inbound", "summary": unique("rec"), **body}
    )
    assert created.status_code == 201, created.text
    call = created.json()
    key = f"recordings/test/{uuid.uuid4().hex}.mp3"
    async with resources.s3_client() as s3:
        await s3.put_object(Bucket=resources.settings.s3_bucket, Key=key, Body=b"ID3 audio")
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(CALLS, uow, record_cache(resources))
        current = await writer.get(uuid.UUID(call["id"]), lock=True)
        assert current is not None
        await writer.update(
            current,
            {"recording_status": "stored", "recording_key": key, "recording_size": 9},
        )
    return {**call, "recording_key": key}


async def _listed(resources: Resources, key: str) -> bool:
    async with resources.s3_client() as s3:
        answer = await s3.list_objects_v2(Bucket=resources.settings.s3_bucket, Prefix=key)
    return any(item["Key"] == key for item in answer.get("Contents", []))


async def _events_of(resources: Resources, record_id: str) -> list[tuple[int | None, str, Any]]:
    async with resources.sessionmaker() as session:
        rows = await session.execute(
            select(EntityEvent.offset, EntityEvent.action, EntityEvent.changes)
            .where(EntityEvent.entity_id == uuid.UUID(record_id))
            .order_by(EntityEvent.id)
        )
        return [(offset, action, changes) for offset, action, changes in rows.all()]


async def _pending(resources: Resources, key: str) -> int:
    async with resources.sessionmaker() as session:
        count = await session.scalar(select(func.count()).where(PendingObjectDeletion.key == key))
        return int(count or 0)


async def _purge(admin: Actor, kind: str, record_id: str) -> None:
    url = f"/api/v1/{kind}/{record_id}"
    assert (await admin.http.delete(url)).status_code == 200
    assert (await admin.http.delete(f"{url}/permanent")).status_code == 204


async def _feed(admin: Actor, record_id: str) -> list[dict[str, Any]]:
    page = await admin.http.get("/api/v1/events", params={"after": 0, "limit": 1000})
    assert page.status_code == 200
    found: list[dict[str, Any]] = []
    while True:
        body = page.json()
        found += [e for e in body["events"] if e["entity_id"] == record_id]
        if not body["has_more"]:
            return found
        page = await admin.http.get(
            "/api/v1/events", params={"after": body["next_after"], "limit": 1000}
        )


async def test_purging_a_call_erases_its_recording_events_and_history(
    admin: Actor, resources: Resources
) -> None:
    call = await _call_with_recording(admin, resources)
    assert await _listed(resources, call["recording_key"])
    await admin.http.delete(f"/api/v1/calls/{call['id']}")
    await sequence_pending(resources.engine)
    before = await _events_of(resources, call["id"])
    assert any(changes for _, _, changes in before)  # values before the purge

    assert (await admin.http.delete(f"/api/v1/calls/{call['id']}/permanent")).status_code == 204
    await sequence_pending(resources.engine)

    after = await _events_of(resources, call["id"])
    assert [offset for offset, _, _ in after[:-1]] == [offset for offset, _, _ in before]
    assert [action for _, action, _ in after] == [action for _, action, _ in before] + ["purged"]
    assert all(changes == {} for _, _, changes in after)
    feed = await _feed(admin, call["id"])
    assert [e["offset"] for e in feed] == [offset for offset, _, _ in after]
    assert all(e["changes"] == {} for e in feed)
    assert feed[-1]["action"] == "purged"
    assert feed[-1]["actor_id"] == str(admin.user.id)
    assert (await admin.http.get(f"/api/v1/calls/{call['id']}/history")).status_code == 404

    # The deletion job was queued after the commit; run what it runs.
    job = await queue_of(resources.redis, resources.settings).job(f"erase-objects:{call['id']}")
    assert job is not None
    assert job.function == "erase_pending_objects"
    assert await delete_pending_objects(resources) >= 1
    assert not await _listed(resources, call["recording_key"])
    assert await _pending(resources, call["recording_key"]) == 0
    async with resources.sessionmaker() as session:
        audit = (
            await session.execute(select(Erasure).where(Erasure.entity_id == uuid.UUID(call["id"])))
        ).scalar_one()
    assert (audit.reason, audit.actor_id, audit.objects) == ("purge", admin.user.id, 1)


async def test_purging_a_contact_rewrites_its_calls_and_deals(
    admin: Actor, resources: Resources
) -> None:
    contact = (await admin.http.post("/api/v1/contacts", json={"name": unique("gone")})).json()
    call = (
        await admin.http.post(
            "/api/v1/calls", json={"direction": "outbound", "contact_id": contact["id"]}
        )
    ).json()
    deal = (
        await admin.http.post(
            "/api/v1/deals", json={"title": unique("deal"), "contact_id": contact["id"]}
        )
    ).json()
    cache = record_cache(resources)
    for kind, record in (("calls", call), ("deals", deal)):  # cached with the link
        assert (await admin.http.get(f"/api/v1/{kind}/{record['id']}")).status_code == 200
        cached = await cache.get(kind, uuid.UUID(record["id"]))
        assert cached is not None
        assert cached[0] == record["version"]

    await _purge(admin, "contacts", contact["id"])

    for kind, record in (("calls", call), ("deals", deal)):
        url = f"/api/v1/{kind}/{record['id']}"
        now = (await admin.http.get(url)).json()
        assert now["contact_id"] is None
        assert now["version"] == record["version"] + 1
        cached = await cache.get(kind, uuid.UUID(record["id"]))
        assert cached is not None
        assert cached[0] == now["version"]
        assert msgspec.json.decode(cached[1])["contact_id"] is None
        history = (await admin.http.get(f"{url}/history")).json()["items"]
        last = history[-1]
        assert last["action"] == "updated"
        assert last["actor_id"] == str(admin.user.id)
        assert last["changes"]["contact_id"] == {"before": contact["id"], "after": None}
        await sequence_pending(resources.engine)
        feed = await _feed(admin, record["id"])
        assert feed[-1]["version"] == now["version"]
        assert "contact_id" in feed[-1]["changes"]


async def test_purging_a_contact_unlinks_its_tasks_and_notes(admin: Actor) -> None:
    """Tasks and notes link to a record of any type without a foreign key: the purge
    clears the link as a write of their own, and leaves links to other records alone."""
    contact = (await admin.http.post("/api/v1/contacts", json={"name": unique("gone")})).json()
    other = (await admin.http.post("/api/v1/contacts", json={"name": unique("kept")})).json()
    link = {"related_type": "contacts", "related_id": contact["id"]}
    task = (await admin.http.post("/api/v1/tasks", json={"title": unique("t"), **link})).json()
    note = (await admin.http.post("/api/v1/notes", json={"body": unique("n"), **link})).json()
    kept = (
        await admin.http.post(
            "/api/v1/notes",
            json={"body": unique("k"), "related_type": "contacts", "related_id": other["id"]},
        )
    ).json()

    await _purge(admin, "contacts", contact["id"])

    for kind, record in (("tasks", task), ("notes", note)):
        url = f"/api/v1/{kind}/{record['id']}"
        now = (await admin.http.get(url)).json()
        assert (now["related_type"], now["related_id"]) == (None, None)
        assert now["version"] == record["version"] + 1
        last = (await admin.http.get(f"{url}/history")).json()["items"][-1]
        assert last["changes"]["related_id"] == {"before": contact["id"], "after": None}
    still = (await admin.http.get(f"/api/v1/notes/{kept['id']}")).json()
    assert (still["related_id"], still["version"]) == (other["id"], kept["version"])


async def test_an_object_left_by_an_s3_outage_is_deleted_once_s3_is_back(
    admin: Actor, resources: Resources, api_settings: ApiSettings
) -> None:
    call = await _call_with_recording(admin, resources)
    key = call["recording_key"]
    await _purge(admin, "calls", call["id"])
    assert (await admin.http.get(f"/api/v1/calls/{call['id']}")).status_code == 404

    unreachable = api_settings.model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{_closed_port()}"}
    )
    async with open_resources(unreachable) as outage:
        with pytest.raises(ObjectsLeft):  # raised, so the job is retried
            await delete_pending_objects(outage)
    assert await _pending(resources, key) == 1
    async with resources.sessionmaker() as session:
        attempts = await session.scalar(
            select(PendingObjectDeletion.attempts).where(PendingObjectDeletion.key == key)
        )
    assert attempts == 1  # the only object left (the first test's went)
    assert await _listed(resources, key)

    assert await delete_pending_objects(resources) >= 1  # the retry, S3 back
    assert not await _listed(resources, key)
    assert await _pending(resources, key) == 0


async def test_retention_deletes_old_recordings_and_keeps_new_ones(
    admin: Actor, resources: Resources
) -> None:
    old = await _call_with_recording(admin, resources)
    new = await _call_with_recording(admin, resources)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Call)
            .where(Call.id == uuid.UUID(old["id"]))
            .values(started_at=datetime.now(UTC) - timedelta(days=RETENTION_DAYS + 1))
        )
    old_before = (await admin.http.get(f"/api/v1/calls/{old['id']}")).json()

    assert await expire_recordings(resources) >= 1
    assert await expire_recordings(resources) == 0  # idempotent
    await delete_pending_objects(resources)

    assert not await _listed(resources, old["recording_key"])
    assert await _listed(resources, new["recording_key"])
    expired = (await admin.http.get(f"/api/v1/calls/{old['id']}")).json()
    assert expired["recording_status"] == "expired"
    assert expired["version"] == old_before["version"] + 1
    kept = (await admin.http.get(f"/api/v1/calls/{new['id']}")).json()
    assert kept["recording_status"] == "stored"
    recording = await admin.http.get(f"/api/v1/calls/{old['id']}/recording")
    assert recording.status_code == 404
    history = (await admin.http.get(f"/api/v1/calls/{old['id']}/history")).json()["items"]
    assert history[-1]["changes"]["recording_status"] == {"before": "stored", "after": "expired"}
    async with resources.sessionmaker() as session:
        reasons = (
            await session.scalars(
                select(Erasure.reason).where(Erasure.entity_id == uuid.UUID(old["id"]))
            )
        ).all()
    assert reasons == ["recording_retention"]
