"""GET /api/v1/events: only readable types, in offset order, paged, strict parameters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from switchboard_api.auth import permissions
from switchboard_api.auth.permissions import Role
from switchboard_api.events.recorder import record_event
from switchboard_api.events.sequencer import sequence_pending
from switchboard_api.settings import ApiSettings

from fixtures.lifecycle import Actor
from fixtures.scratch_db import create_scratch_database, drop_scratch_database

ACTOR = uuid.uuid4()


@pytest.fixture(scope="module")
async def settings(settings: ApiSettings) -> AsyncIterator[ApiSettings]:
    """A database of its own: the feed holds exactly the events this module writes."""
    base = settings.database_url.get_secret_value()
    url = await create_scratch_database(base)
    yield settings.model_copy(update={"database_url": SecretStr(url)})
    await drop_scratch_database(base, url)


@pytest.fixture(scope="module")
def client(agent: Actor) -> AsyncClient:
    """An agent's client of the app ``create_app`` builds on that database."""
    return agent.http


@pytest.fixture(scope="module")
async def written(settings: ApiSettings) -> AsyncIterator[list[tuple[str, uuid.UUID]]]:
    """Seven events of several types, sequenced."""
    engine = create_async_engine(settings.database_url.get_secret_value())
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    plan = ["contacts", "deals", "api_tokens", "contacts", "phone_lines", "tasks", "contacts"]
    written: list[tuple[str, uuid.UUID]] = []
    async with sessionmaker() as session, session.begin():
        for i, entity_type in enumerate(plan):
            entity_id = uuid.uuid4()
            await record_event(
                session,
                entity_type=entity_type,
                entity_id=entity_id,
                action="updated",
                actor_id=ACTOR,
                version=i + 2,
                changes={"title": {"before": f"t{i}", "after": f"t{i + 1}"}},
            )
            written.append((entity_type, entity_id))
    await sequence_pending(engine)
    yield written
    await engine.dispose()


async def test_feed_shows_readable_types_in_order_with_details(
    client: AsyncClient, written: list[tuple[str, uuid.UUID]]
) -> None:
    response = await client.get("/api/v1/events", params={"after": 0})
    assert response.status_code == 200, response.text
    page = response.json()
    events = page["events"]
    # api_tokens is in no role's matrix: never shown
    expected = [(t, str(i)) for t, i in written if t != "api_tokens"]
    assert [(e["entity_type"], e["entity_id"]) for e in events] == expected
    offsets = [e["offset"] for e in events]
    assert offsets == sorted(offsets)
    assert page["next_after"] == offsets[-1]
    assert page["has_more"] is False
    assert page["head"] == offsets[-1]
    first = events[0]
    assert first["action"] == "updated"
    assert first["actor_id"] == str(ACTOR)
    assert first["version"] == 2
    assert first["changes"] == {"title": {"before": "t0", "after": "t1"}}
    assert first["occurred_at"]


async def test_feed_pages_with_next_after(
    client: AsyncClient, written: list[tuple[str, uuid.UUID]]
) -> None:
    seen: list[int] = []
    after = 0
    for _ in range(10):
        page = (await client.get("/api/v1/events", params={"after": after, "limit": 2})).json()
        seen += [e["offset"] for e in page["events"]]
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert len(seen) == len([t for t, _ in written if t != "api_tokens"])
    assert seen == sorted(set(seen))
    empty = (await client.get("/api/v1/events", params={"after": after})).json()
    assert empty == {"events": [], "next_after": after, "has_more": False, "head": after}


async def test_feed_hides_types_the_role_may_not_read(
    client: AsyncClient,
    admin: Actor,
    written: list[tuple[str, uuid.UUID]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shipped matrix lets every role read every type, so take "deals" away from agents.
    agent = dict(permissions.MATRIX[Role.AGENT])
    del agent["deals"]
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, agent)
    agent_view = (await client.get("/api/v1/events")).json()
    admin_view = (await admin.http.get("/api/v1/events")).json()
    assert "deals" not in {e["entity_type"] for e in agent_view["events"]}
    assert "deals" in {e["entity_type"] for e in admin_view["events"]}
    assert len(admin_view["events"]) == len(agent_view["events"]) + 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "abc"}, "after"),
        ({"after": str(2**64)}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    client: AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/events", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_limit_is_capped(client: AsyncClient, written: object) -> None:
    response = await client.get("/api/v1/events", params={"limit": 100000})
    assert response.status_code == 200
    assert len(response.json()["events"]) <= 500
