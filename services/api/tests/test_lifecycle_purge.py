"""The trash purge job: only records trashed longer than the retention, a 'purged' event
each, idempotent, and the cache forgets them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.db.contacts import Contact
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.number_lists import NumberList, NumberListEntry
from switchboard_api.lifecycle.purge import purge_expired_trash
from switchboard_api.platform.resources import Resources
from switchboard_api.settings import ApiSettings

from fixtures.lifecycle import Actor, unique


@pytest.fixture(scope="module")
def sessions(resources: Resources) -> async_sessionmaker[AsyncSession]:
    return resources.sessionmaker


async def _trashed_contact(admin: Actor) -> str:
    created = await admin.http.post("/api/v1/contacts", json={"name": unique("purge")})
    record_id: str = created.json()["id"]
    assert (await admin.http.delete(f"/api/v1/contacts/{record_id}")).status_code == 200
    return record_id


async def _backdate(
    sessions: async_sessionmaker[AsyncSession], table: type, ids: list[str], days: int
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(table)
            .where(table.id.in_([uuid.UUID(i) for i in ids]))
            .values(deleted_at=datetime.now(UTC) - timedelta(days=days))
        )


async def _events(sessions: async_sessionmaker[AsyncSession], record_id: str, action: str) -> int:
    async with sessions() as session:
        count = await session.execute(
            select(func.count()).where(
                EntityEvent.entity_id == uuid.UUID(record_id), EntityEvent.action == action
            )
        )
        return int(count.scalar_one())


async def test_purges_only_expired_trash_once(
    admin: Actor,
    sessions: async_sessionmaker[AsyncSession],
    resources: Resources,
    api_settings: ApiSettings,
) -> None:
    old = [await _trashed_contact(admin) for _ in range(3)]
    recent = await _trashed_contact(admin)
    await _backdate(sessions, Contact, old, api_settings.trash_retention_days + 1)
    for record_id in old:  # cached before the purge: the purge must make the cache forget
        assert (await admin.http.get(f"/api/v1/contacts/{record_id}")).status_code == 200

    purged = await purge_expired_trash(resources)
    assert purged >= len(old)
    for record_id in old:
        assert (await admin.http.get(f"/api/v1/contacts/{record_id}")).status_code == 404
        assert await _events(sessions, record_id, "purged") == 1
        history = await admin.http.get(f"/api/v1/contacts/{record_id}/history")
        assert history.status_code == 404
    assert (await admin.http.get(f"/api/v1/contacts/{recent}")).status_code == 200

    await purge_expired_trash(resources)  # idempotent
    for record_id in old:
        assert await _events(sessions, record_id, "purged") == 1

    # "now" far enough ahead expires the recent one too
    later = datetime.now(UTC) + timedelta(days=api_settings.trash_retention_days + 1)
    assert await purge_expired_trash(resources, now=later) >= 1
    assert (await admin.http.get(f"/api/v1/contacts/{recent}")).status_code == 404


async def test_purging_a_list_removes_its_entries(
    admin: Actor,
    sessions: async_sessionmaker[AsyncSession],
    resources: Resources,
    api_settings: ApiSettings,
) -> None:
    created = await admin.http.post("/api/v1/number_lists", json={"name": unique("gone")})
    list_id = created.json()["id"]
    url = f"/api/v1/number_lists/{list_id}"
    assert (
        await admin.http.post(f"{url}/entries", json={"number": "+79120007777"})
    ).status_code == 201
    assert (await admin.http.delete(url)).status_code == 200
    await _backdate(sessions, NumberList, [list_id], api_settings.trash_retention_days + 5)
    assert await purge_expired_trash(resources) >= 1
    async with sessions() as session:
        left = await session.execute(
            select(func.count()).where(NumberListEntry.list_id == uuid.UUID(list_id))
        )
        assert left.scalar_one() == 0
