"""Every lifecycle step for every entity type, through HTTP against the real database:
create, get, list (filter, search, cursor), update with If-Match, trash, restore exactly as
it was, permanent delete only from the trash (history erased with it), and the history of
it all."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from switchboard_api.entities import ENTITY_TYPES
from switchboard_api.settings import ApiSettings

from fixtures.lifecycle import SAMPLES, Actor, unique

PROBLEM = "application/problem+json"
TYPES = sorted(ENTITY_TYPES)


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A queue of our own: the stack's worker does not measure an uploaded file behind the
    # versions these tests count (nothing here waits for a job).
    return settings.model_copy(update={"worker_queue": f"lifecycle-{secrets.token_hex(4)}"})


def test_every_registered_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(ENTITY_TYPES)


async def _create(actor: Actor, entity_type: str, word: str) -> dict[str, Any]:
    sample = SAMPLES[entity_type]
    body = sample.create(word)
    if sample.parent is not None:  # a record that belongs to another: that one first
        parent = await _create(actor, sample.parent, unique("parent"))
        body |= {"parent_type": sample.parent, "parent_id": parent["id"]}
    response = await actor.http.post(f"/api/v1/{entity_type}", json=body)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/{entity_type}/{body['id']}"
    assert body["version"] == 1
    assert body["deleted_at"] is None
    if sample.finish is not None:
        body = await sample.finish(actor, body)
    return body


@pytest.mark.parametrize("entity_type", TYPES)
async def test_full_lifecycle(admin: Actor, entity_type: str) -> None:
    http, base, sample = admin.http, f"/api/v1/{entity_type}", SAMPLES[entity_type]
    word = unique("lc")
    created = await _create(admin, entity_type, word)
    url = f"{base}/{created['id']}"
    change = SAMPLES[entity_type].change(word)
    # Version 1, or later for a record finished after its creation (a file's upload).
    start = created["version"]

    got = await http.get(url)
    assert got.status_code == 200
    assert got.json() == created
    assert got.headers["etag"] == f'"{start}"'

    # search and filters find it among the live records
    listed = await http.get(base, params={"q": word, **sample.list_filter})
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["items"]] == [created["id"]]

    # PATCH needs If-Match; a stale one is refused naming the current version
    missing = await http.patch(url, json=change)
    assert missing.status_code == 428
    assert missing.headers["content-type"].startswith(PROBLEM)
    changed = await http.patch(url, json=change, headers={"If-Match": f'"{start}"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == f'"{start + 1}"'
    updated = changed.json()
    assert updated["version"] == start + 1
    for field in change:
        assert updated[field] is not None
    stale = await http.patch(url, json=change, headers={"If-Match": f'"{start}"'})
    assert stale.status_code == 412
    assert f"version {start + 1}" in stale.json()["detail"]
    assert stale.headers["etag"] == f'"{start + 1}"'
    assert (await http.get(url)).json() == updated

    # permanent delete is refused for a live record
    refused = await http.delete(f"{url}/permanent")
    assert refused.status_code == 409

    trashed = await http.delete(url)
    assert trashed.status_code == 200
    assert trashed.json()["deleted_at"] is not None
    assert trashed.json()["deleted_by"] == str(admin.user.id)
    assert (await http.get(url)).json()["deleted_at"] is not None  # still readable
    live_ids = [r["id"] for r in (await http.get(base, params={"q": word})).json()["items"]]
    assert created["id"] not in live_ids
    trash = await http.get(f"{base}/trash", params={"q": word})
    assert [r["id"] for r in trash.json()["items"]] == [created["id"]]
    assert (await http.delete(url)).status_code == 409  # already in the trash
    in_trash = {"If-Match": f'"{start + 2}"'}
    assert (await http.patch(url, json=change, headers=in_trash)).status_code == 409

    restored = await http.post(f"{url}/restore")
    assert restored.status_code == 200
    back = restored.json()
    assert back["version"] == start + 3
    assert {**back, "version": start + 1} == updated  # exactly as it was
    assert (await http.post(f"{url}/restore")).status_code == 409

    assert (await http.delete(url)).status_code == 200
    history = await http.get(f"{url}/history")
    assert history.status_code == 200
    entries = history.json()["items"]
    finished = ["updated"] * (start - 1)
    assert [e["action"] for e in entries] == [
        "created",
        *finished,
        "updated",
        "trashed",
        "restored",
        "trashed",
    ]
    assert [e["version"] for e in entries] == list(range(1, start + 5))
    entries = [entries[0], *entries[start:]]  # what follows the finishing
    assert all(e["actor_id"] == str(admin.user.id) for e in entries)
    update = entries[1]["changes"]
    for field in change:
        if field in update:
            assert update[field]["after"] == updated[field]
    assert set(update) <= set(change) | {"password_hash"}
    assert entries[2]["changes"]["deleted_at"]["before"] is None

    purged = await http.delete(f"{url}/permanent")
    assert purged.status_code == 204
    assert (await http.get(url)).status_code == 404
    assert (await http.post(f"{url}/restore")).status_code == 404
    assert (await http.get(f"{url}/history")).status_code == 404  # erased with the record


async def test_history_pages_and_bad_cursor(admin: Actor) -> None:
    created = await _create(admin, "notes", unique("hist"))
    url = f"/api/v1/notes/{created['id']}"
    for version in (1, 2, 3):
        response = await admin.http.patch(
            url, json={"body": f"v{version + 1}"}, headers={"If-Match": f'"{version}"'}
        )
        assert response.status_code == 200
    first = (await admin.http.get(f"{url}/history", params={"limit": 2})).json()
    assert [e["version"] for e in first["items"]] == [1, 2]
    rest = await admin.http.get(f"{url}/history", params={"cursor": first["next_cursor"]})
    assert [e["version"] for e in rest.json()["items"]] == [3, 4]
    assert rest.json()["next_cursor"] is None
    bad = await admin.http.get(f"{url}/history", params={"cursor": "nope"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_password_is_write_only_and_never_in_history(admin: Actor) -> None:
    created = await _create(admin, "users", unique("pw"))
    assert "password" not in created
    assert "password_hash" not in created
    url = f"/api/v1/users/{created['id']}"
    response = await admin.http.patch(
        url, json={"password": "another long password"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200
    history = (await admin.http.get(f"{url}/history")).json()["items"]
    assert history[1]["changes"] == {
        "password_hash": {"before": "[redacted]", "after": "[redacted]"}
    }
    assert "password" not in str(history[0]["changes"]).replace("password_hash", "")


async def test_cursor_pagination_walks_every_record_once(admin: Actor) -> None:
    word = unique("page")
    ids = {(await _create(admin, "contacts", word))["id"] for _ in range(7)}
    for sort in ("-created_at", "name", "-updated_at"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"q": word, "limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = (await admin.http.get("/api/v1/contacts", params=params)).json()
            seen += [r["id"] for r in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids), sort
    wrong_sort = await admin.http.get(
        "/api/v1/contacts", params={"q": word, "limit": 3, "sort": "name"}
    )
    other = await admin.http.get(
        "/api/v1/contacts",
        params={"q": word, "sort": "-created_at", "cursor": wrong_sort.json()["next_cursor"]},
    )
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "cursor"


async def test_agent_cannot_purge_and_only_admins_manage_users(
    admin: Actor, supervisor: Actor, agent: Actor
) -> None:
    contact = await _create(agent, "contacts", unique("perm"))
    url = f"/api/v1/contacts/{contact['id']}"
    assert (await agent.http.delete(url)).status_code == 200
    assert (await agent.http.delete(f"{url}/permanent")).status_code == 403
    assert (await supervisor.http.delete(f"{url}/permanent")).status_code == 204
    user = SAMPLES["users"].create(unique("mgr"))
    assert (await supervisor.http.post("/api/v1/users", json=user)).status_code == 403
    assert (await agent.http.post("/api/v1/users", json=user)).status_code == 403
    assert (await agent.http.get("/api/v1/users")).status_code == 200
    lists = await agent.http.post("/api/v1/number_lists", json={"name": "x"})
    assert lists.status_code == 403


async def test_deal_stage_follows_the_pipeline(admin: Actor) -> None:
    deal = await _create(admin, "deals", unique("stage"))
    url = f"/api/v1/deals/{deal['id']}"
    skip = await admin.http.patch(url, json={"stage": "won"}, headers={"If-Match": '"1"'})
    assert skip.status_code == 422
    assert skip.json()["errors"][0]["field"] == "stage"
    version = 1
    for stage in ("qualified", "proposal", "won"):
        response = await admin.http.patch(
            url, json={"stage": stage}, headers={"If-Match": f'"{version}"'}
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    assert response.json()["amount"] == "1500.50"
    final = await admin.http.patch(
        url, json={"stage": "lost"}, headers={"If-Match": f'"{version}"'}
    )
    assert final.status_code == 422


async def test_unchanged_patch_keeps_the_version(admin: Actor) -> None:
    created = await _create(admin, "number_lists", unique("same"))
    url = f"/api/v1/number_lists/{created['id']}"
    response = await admin.http.patch(url, json={"kind": "blacklist"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.json() == created
    history = (await admin.http.get(f"{url}/history")).json()["items"]
    assert [e["action"] for e in history] == ["created"]


async def test_a_contact_patch_that_normalises_to_what_is_stored_changes_nothing(
    admin: Actor,
) -> None:
    """Contacts are written without being read first (one statement compares, writes and
    returns the row as it was): a value that normalises to the stored one is no change;
    a real change is one new version whose event holds exactly what changed."""
    created = await _create(admin, "contacts", unique("norm"))
    url = f"/api/v1/contacts/{created['id']}"
    same = {
        "phones": [{"type": "work", "number": "+7 495 123 45 67"}],  # stored as +74951234567
        "tags": ["vip", "vip"],
        "attributes": {"source": "test"},
    }
    response = await admin.http.patch(url, json=same, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json() == created
    assert response.headers["etag"] == '"1"'

    change = {"company": "Initech", "tags": ["vip", "new"]}
    response = await admin.http.patch(url, json={**same, **change}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    history = (await admin.http.get(f"{url}/history")).json()["items"]
    assert [e["action"] for e in history] == ["created", "updated"]
    changes = history[1]["changes"]
    assert changes["company"] == {"before": "ACME", "after": "Initech"}
    assert changes["tags"] == {"before": ["vip"], "after": ["vip", "new"]}
    assert not {"phones", "attributes", "name"} & set(changes)

    gone = await admin.http.patch(
        "/api/v1/contacts/00000000-0000-4000-8000-000000000000",
        json=change,
        headers={"If-Match": '"1"'},
    )
    assert gone.status_code == 404


async def test_notes_author_and_related_pair(admin: Actor) -> None:
    note = await _create(admin, "notes", unique("auth"))
    assert note["author_id"] == str(admin.user.id)
    half = await admin.http.post("/api/v1/notes", json={"body": "x", "related_type": "deals"})
    assert half.status_code == 422
    assert half.json()["errors"][0]["field"] == "related_id"


async def test_unknown_owner_is_a_422_naming_the_field(admin: Actor) -> None:
    response = await admin.http.post(
        "/api/v1/contacts",
        json={"name": "Nobody's", "owner_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner_id"


async def test_duplicate_user_email_is_a_409(admin: Actor) -> None:
    body = SAMPLES["users"].create(unique("dup"))
    assert (await admin.http.post("/api/v1/users", json=body)).status_code == 201
    again = await admin.http.post("/api/v1/users", json={**body, "email": body["email"].upper()})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "email"


async def test_admins_cannot_lock_themselves_out(admin: Actor) -> None:
    url = f"/api/v1/users/{admin.user.id}"
    me = (await admin.http.get(url)).json()
    version = f'"{me["version"]}"'
    assert (await admin.http.delete(url)).status_code == 409
    demote = await admin.http.patch(url, json={"role": "agent"}, headers={"If-Match": version})
    assert demote.status_code == 409
    assert demote.json()["errors"][0]["field"] == "role"
    off = await admin.http.patch(url, json={"is_active": False}, headers={"If-Match": version})
    assert off.status_code == 409
    renamed = await admin.http.patch(
        url, json={"full_name": "Still Admin"}, headers={"If-Match": version}
    )
    assert renamed.status_code == 200


async def test_tasks_by_due_time(agent: Actor) -> None:
    """due_before (exclusive) and due_after (inclusive) narrow the task list by due_at;
    tasks without a due time match neither; a time without an offset is UTC."""
    word = unique("due")
    times = {
        "early": "2031-03-01T09:00:00+00:00",
        "noon": "2031-03-01T12:00:00+00:00",
        "late": "2031-03-02T08:00:00+03:00",  # 05:00 UTC on the 2nd
        "never": None,
    }
    for label, due_at in times.items():
        created = await agent.http.post(
            "/api/v1/tasks", json={"title": f"{word} {label}", "due_at": due_at}
        )
        assert created.status_code == 201, created.text

    async def titles(**params: str) -> list[str]:
        listed = await agent.http.get(
            "/api/v1/tasks", params={"q": word, "sort": "title", **params}
        )
        assert listed.status_code == 200, listed.text
        return [t["title"].removeprefix(f"{word} ") for t in listed.json()["items"]]

    assert await titles(due_before="2031-03-01T12:00:00Z") == ["early"]
    assert await titles(due_after="2031-03-01T12:00:00Z") == ["late", "noon"]
    assert await titles(due_after="2031-03-01T10:00:00", due_before="2031-03-02T05:00:01") == [
        "late",
        "noon",
    ]
    assert await titles() == ["early", "late", "never", "noon"]
    bad = await agent.http.get("/api/v1/tasks", params={"due_before": "next tuesday"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith(PROBLEM)
    assert "due_before" in bad.text


async def test_tasks_sorted_by_due_time_page_through_the_ones_without_one(agent: Actor) -> None:
    """Sorting by a column some records leave empty: tasks without a due time come last
    going up and first going down, and paging (2 a page, so a cursor lands on an empty
    one) shows every task exactly once."""
    word = unique("sortdue")
    dues = {
        "a": "2032-01-01T09:00:00Z",
        "b": "2032-01-02T09:00:00Z",
        "c": "2032-01-02T09:00:00Z",  # the same time as b: the id breaks the tie
        "d": None,
        "e": None,
        "f": None,
    }
    for label, due_at in dues.items():
        created = await agent.http.post(
            "/api/v1/tasks", json={"title": f"{word} {label}", "due_at": due_at}
        )
        assert created.status_code == 201, created.text

    async def walk(sort: str) -> list[str]:
        seen: list[str] = []
        params: dict[str, str] = {"q": word, "sort": sort, "limit": "2"}
        for _ in range(10):
            page = await agent.http.get("/api/v1/tasks", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            seen += [t["title"].removeprefix(f"{word} ") for t in body["items"]]
            if not body["next_cursor"]:
                return seen
            params["cursor"] = body["next_cursor"]
        raise AssertionError(f"no end of the list: {seen}")

    up, down = await walk("due_at"), await walk("-due_at")
    for order in (up, down):
        assert sorted(order) == sorted(dues)  # each once
    assert up[0] == "a"
    assert set(up[1:3]) == {"b", "c"}
    assert set(up[3:]) == {"d", "e", "f"}
    assert set(down[:3]) == {"d", "e", "f"}
    assert set(down[3:5]) == {"b", "c"}
    assert down[5] == "a"
    assert up[1:3] == list(reversed(down[3:5]))  # one tie-break, both ways
    assert up[3:] == list(reversed(down[:3]))
