"""The activity timeline of contacts and deals: every kind merged newest first, keyset pages
that neither skip nor repeat, the kind filter, only live items of that record, and only the
kinds the caller's role may read."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard_api.auth import permissions
from switchboard_api.auth.permissions import Action, Role

from fixtures.lifecycle import Actor, unique


async def _contact_with_activity(agent: Actor) -> tuple[str, dict[str, list[str]]]:
    http = agent.http
    contact = (await http.post("/api/v1/contacts", json={"name": unique("tl")})).json()
    cid = contact["id"]
    about = {"related_type": "contacts", "related_id": cid}
    made: dict[str, list[str]] = {"note": [], "task": [], "call": []}
    for n in range(3):
        note = await http.post("/api/v1/notes", json={"body": f"note {n}", **about})
        made["note"].append(note.json()["id"])
        task = await http.post("/api/v1/tasks", json={"title": f"task {n}", **about})
        made["task"].append(task.json()["id"])
        call = await http.post(
            "/api/v1/calls",
            json={"direction": "inbound", "from_number": "+74951234567", "contact_id": cid},
        )
        made["call"].append(call.json()["id"])
    changed = await http.patch(
        f"/api/v1/contacts/{cid}", json={"company": "Renamed"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    return cid, made


async def _walk(http: Any, url: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        page = await http.get(url, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


async def test_timeline_merges_every_kind_newest_first(agent: Actor) -> None:
    cid, _ = await _contact_with_activity(agent)
    page = (await agent.http.get(f"/api/v1/contacts/{cid}/timeline")).json()
    kinds = [item["kind"] for item in page["items"]]
    assert sorted(kinds) == sorted(["note"] * 3 + ["task"] * 3 + ["call"] * 3 + ["change"] * 2)
    times = [item["at"] for item in page["items"]]
    assert times == sorted(times, reverse=True)
    assert page["items"][0]["kind"] == "change"  # the rename came last
    assert page["items"][0]["change"]["changes"]["company"]["after"] == "Renamed"
    call = next(item["call"] for item in page["items"] if item["kind"] == "call")
    assert call["contact_id"] == cid
    assert "recording_status" in call
    assert page["next_cursor"] is None


async def test_pages_neither_skip_nor_repeat(agent: Actor) -> None:
    cid, _ = await _contact_with_activity(agent)
    url = f"/api/v1/contacts/{cid}/timeline"
    whole = (await agent.http.get(url)).json()["items"]
    for limit in (1, 2, 4):
        walked = await _walk(agent.http, url, limit)
        assert [(i["kind"], i["id"]) for i in walked] == [(i["kind"], i["id"]) for i in whole]


async def test_kind_filter_and_only_live_items_of_this_record(agent: Actor) -> None:
    cid, made = await _contact_with_activity(agent)
    other, _ = await _contact_with_activity(agent)
    trashed = made["note"][0]
    assert (await agent.http.delete(f"/api/v1/notes/{trashed}")).status_code == 200
    url = f"/api/v1/contacts/{cid}/timeline"
    notes = (await agent.http.get(url, params={"kind": "note"})).json()["items"]
    assert {i["id"] for i in notes} == set(made["note"][1:])
    both = (await agent.http.get(url, params={"kind": ["note", "task"]})).json()["items"]
    assert {i["kind"] for i in both} == {"note", "task"}
    assert len(both) == 5
    other_items = (await agent.http.get(f"/api/v1/contacts/{other}/timeline")).json()["items"]
    assert not {i["id"] for i in other_items} & {i["id"] for i in both}


async def test_deal_timeline(agent: Actor) -> None:
    deal = (await agent.http.post("/api/v1/deals", json={"title": unique("deal")})).json()
    note = await agent.http.post(
        "/api/v1/notes",
        json={"body": "about the deal", "related_type": "deals", "related_id": deal["id"]},
    )
    items = (await agent.http.get(f"/api/v1/deals/{deal['id']}/timeline")).json()["items"]
    assert (items[0]["kind"], items[0]["id"]) == ("note", note.json()["id"])
    assert items[-1]["kind"] == "change"
    assert items[-1]["change"]["action"] == "created"


async def test_a_deal_shows_the_calls_with_its_contact_since_it_was_opened(agent: Actor) -> None:
    http = agent.http
    contact = (await http.post("/api/v1/contacts", json={"name": unique("buyer")})).json()
    call = {"direction": "inbound", "from_number": "+74951234567", "contact_id": contact["id"]}
    before = (await http.post("/api/v1/calls", json=call)).json()
    deal = (
        await http.post(
            "/api/v1/deals", json={"title": unique("deal"), "contact_id": contact["id"]}
        )
    ).json()
    during = (await http.post("/api/v1/calls", json=call)).json()
    stranger = (await http.post("/api/v1/contacts", json={"name": unique("other")})).json()
    await http.post("/api/v1/calls", json={**call, "contact_id": stranger["id"]})
    url = f"/api/v1/deals/{deal['id']}/timeline"
    calls = (await http.get(url, params={"kind": "call"})).json()["items"]
    assert [i["id"] for i in calls] == [during["id"]]
    assert before["id"] in {
        i["id"]
        for i in (await http.get(f"/api/v1/contacts/{contact['id']}/timeline")).json()["items"]
    }
    alone = (await http.post("/api/v1/deals", json={"title": unique("no contact")})).json()
    none = await http.get(f"/api/v1/deals/{alone['id']}/timeline", params={"kind": "call"})
    assert (none.status_code, none.json()["items"]) == (200, [])


async def test_only_kinds_the_role_may_read(agent: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    cid, _ = await _contact_with_activity(agent)
    url = f"/api/v1/contacts/{cid}/timeline"
    agent_rights = dict(permissions.MATRIX[Role.AGENT])
    agent_rights["calls"] = frozenset()  # an agent who may not read calls
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, agent_rights)
    items = (await agent.http.get(url)).json()["items"]
    assert items
    assert "call" not in {i["kind"] for i in items}
    refused = await agent.http.get(url, params={"kind": "call"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert permissions.can(Role.SUPERVISOR, "calls", Action.READ)


async def test_bad_input_is_a_4xx_naming_the_field(agent: Actor) -> None:
    cid, _ = await _contact_with_activity(agent)
    url = f"/api/v1/contacts/{cid}/timeline"
    bad_cursor = await agent.http.get(url, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    bad_kind = await agent.http.get(url, params={"kind": "letters"})
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.text
    missing = await agent.http.get("/api/v1/contacts/00000000-0000-4000-8000-000000000000/timeline")
    assert missing.status_code == 404
