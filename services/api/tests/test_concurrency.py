"""Optimistic concurrency: the same If-Match twice at once -> exactly one wins."""

from __future__ import annotations

import asyncio

import httpx

from fixtures.lifecycle import Actor, unique


async def _contact(admin: Actor) -> str:
    response = await admin.http.post("/api/v1/contacts", json={"name": unique("race")})
    assert response.status_code == 201
    contact_id: str = response.json()["id"]
    return contact_id


async def test_two_patches_with_the_same_if_match_one_wins(admin: Actor) -> None:
    for _ in range(10):  # repeat: the race must hold every time, not once by luck
        url = f"/api/v1/contacts/{await _contact(admin)}"
        first, second = await asyncio.gather(
            admin.http.patch(url, json={"job_title": "A"}, headers={"If-Match": '"1"'}),
            admin.http.patch(url, json={"company": "B"}, headers={"If-Match": '"1"'}),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 412], (first.text, second.text)
        winner = first if first.status_code == 200 else second
        record = (await admin.http.get(url)).json()
        assert record["version"] == 2
        assert record == winner.json()
        history = (await admin.http.get(f"{url}/history")).json()["items"]
        assert [e["action"] for e in history] == ["created", "updated"]


async def _append_tag(http: httpx.AsyncClient, url: str, tag: str) -> int:
    """Read-modify-write with If-Match, retrying on 412, as a careful client does."""
    attempts = 0
    while True:
        attempts += 1
        current = (await http.get(url)).json()
        response = await http.patch(
            url,
            json={"tags": [*current["tags"], tag]},
            headers={"If-Match": f'"{current["version"]}"'},
        )
        if response.status_code == 200:
            return attempts
        assert response.status_code == 412, response.text


async def test_concurrent_writers_lose_nothing(admin: Actor) -> None:
    url = f"/api/v1/contacts/{await _contact(admin)}"
    tags = [f"t{i}" for i in range(12)]
    attempts = await asyncio.gather(*(_append_tag(admin.http, url, t) for t in tags))
    record = (await admin.http.get(url)).json()
    assert sorted(record["tags"]) == sorted(tags)
    assert record["version"] == 1 + len(tags)
    assert sum(attempts) > len(tags)  # there really were conflicts
