"""Number list entries: add/remove/list; each change is a new version of the list."""

from __future__ import annotations

import asyncio

from fixtures.lifecycle import Actor, unique


async def _list(admin: Actor) -> str:
    response = await admin.http.post(
        "/api/v1/number_lists", json={"name": unique("vip"), "kind": "whitelist"}
    )
    assert response.status_code == 201
    list_id: str = response.json()["id"]
    return list_id


async def test_entries_change_the_lists_version_and_history(admin: Actor, agent: Actor) -> None:
    url = f"/api/v1/number_lists/{await _list(admin)}"
    added = await admin.http.post(
        f"{url}/entries", json={"number": "8 (912) 000-11-22", "comment": "boss"}
    )
    assert added.status_code == 201, added.text
    assert added.headers["etag"] == '"2"'
    entry = added.json()
    assert entry["number"] == "+79120001122"
    duplicate = await admin.http.post(f"{url}/entries", json={"number": "+79120001122"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "number"
    bad = await admin.http.post(f"{url}/entries", json={"number": "12"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "number"
    stale = await admin.http.post(
        f"{url}/entries", json={"number": "+79120001123"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert (
        await agent.http.post(f"{url}/entries", json={"number": "+79120001124"})
    ).status_code == 403

    second = await admin.http.post(
        f"{url}/entries", json={"number": "+79120001125"}, headers={"If-Match": '"2"'}
    )
    assert second.status_code == 201
    page = await agent.http.get(f"{url}/entries", params={"limit": 1})
    assert page.status_code == 200
    assert [e["number"] for e in page.json()["items"]] == ["+79120001122"]
    rest = await agent.http.get(f"{url}/entries", params={"cursor": page.json()["next_cursor"]})
    assert [e["number"] for e in rest.json()["items"]] == ["+79120001125"]

    removed = await admin.http.delete(f"{url}/entries/{entry['id']}")
    assert removed.status_code == 204
    assert removed.headers["etag"] == '"4"'
    again = await admin.http.delete(f"{url}/entries/{entry['id']}")
    assert again.status_code == 404
    record = (await admin.http.get(url)).json()
    assert record["version"] == 4

    history = (await admin.http.get(f"{url}/history")).json()["items"]
    assert [e["action"] for e in history] == ["created", "updated", "updated", "updated"]
    assert history[1]["changes"]["entries"]["after"]["number"] == "+79120001122"
    assert history[3]["changes"]["entries"] == {
        "before": {"id": entry["id"], "number": "+79120001122", "comment": "boss"},
        "after": None,
    }


async def test_concurrent_adds_all_land_and_each_bumps_the_version(admin: Actor) -> None:
    url = f"/api/v1/number_lists/{await _list(admin)}"
    numbers = [f"+7912000{i:04d}" for i in range(10)]
    results = await asyncio.gather(
        *(admin.http.post(f"{url}/entries", json={"number": n}) for n in numbers)
    )
    assert [r.status_code for r in results] == [201] * len(numbers)
    assert sorted(int(r.headers["etag"].strip('"')) for r in results) == list(range(2, 12))
    listed = (await admin.http.get(f"{url}/entries", params={"limit": 50})).json()["items"]
    assert sorted(e["number"] for e in listed) == numbers


async def test_entries_of_a_trashed_list_are_frozen_and_come_back(admin: Actor) -> None:
    url = f"/api/v1/number_lists/{await _list(admin)}"
    assert (
        await admin.http.post(f"{url}/entries", json={"number": "+79120009999"})
    ).status_code == 201
    assert (await admin.http.delete(url)).status_code == 200
    refused = await admin.http.post(f"{url}/entries", json={"number": "+79120009998"})
    assert refused.status_code == 409
    assert (await admin.http.post(f"{url}/restore")).status_code == 200
    listed = (await admin.http.get(f"{url}/entries")).json()["items"]
    assert [e["number"] for e in listed] == ["+79120009999"]
    missing = await admin.http.get(
        "/api/v1/number_lists/00000000-0000-4000-8000-000000000000/entries"
    )
    assert missing.status_code == 404
