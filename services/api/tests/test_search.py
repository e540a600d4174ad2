"""Search: a phone number in every spelling people type, typos, the company filter as you
type, and ``GET /api/v1/search`` across types (grouping, permissions, bad input)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from switchboard_api.auth.permissions import MATRIX, READ_ONLY, Role

from fixtures.lifecycle import SAMPLES, Actor, digits_of, unique

SEARCHED = ["contacts", "deals", "tasks", "notes", "calls", "users"]


def spellings(local: str) -> list[str]:
    """How people write +7 916 <local>: the national prefix 8 (whole, partial, with
    separators), the country code, and a run of digits from the middle."""
    return [
        f"8916{local[:3]}",
        f"8916{local}",
        f"8 (916) {local[:3]}-{local[3:5]}-{local[5:]}",
        f"+7916{local[:3]}",
        f"+7 916 {local}",
        f"916 {local[:4]}",
    ]


async def new_contact(actor: Actor, **fields: Any) -> dict[str, Any]:
    created = await actor.http.post("/api/v1/contacts", json=fields)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def listed(actor: Actor, **params: str) -> list[str]:
    response = await actor.http.get("/api/v1/contacts", params={"limit": "200", **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def searched(actor: Actor, q: str, **params: str) -> dict[str, list[str]]:
    """Ids found per group, the groups in the order answered."""
    response = await actor.http.get("/api/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return {g["type"]: [hit["id"] for hit in g["items"]] for g in response.json()["groups"]}


@pytest.mark.parametrize("index", range(6))
async def test_the_contacts_list_finds_a_number_in_every_spelling(admin: Actor, index: int) -> None:
    local = digits_of(unique(""), 7)
    contact = await new_contact(
        admin, name=unique("Phone "), phones=[{"type": "mobile", "number": f"+7916{local}"}]
    )
    assert contact["id"] in await listed(admin, q=spellings(local)[index])


async def test_the_8_prefix_is_the_start_of_a_number_not_digits_anywhere(admin: Actor) -> None:
    local = digits_of(unique(""), 7)
    # "+7 916 ..." typed with 8 must not find a number that merely contains 916... later on
    elsewhere = await new_contact(
        admin, name=unique("Other "), phones=[{"number": f"+7495916{local[:4]}"}]
    )
    assert elsewhere["id"] not in await listed(admin, q=f"+7916{local[:4]}")
    assert elsewhere["id"] in await listed(admin, q=f"916{local[:4]}")


async def test_a_typo_in_a_name_still_finds_the_contact(admin: Actor) -> None:
    contact = await new_contact(admin, name="Соколова Мария")
    assert contact["id"] in await listed(admin, q="Сколова")
    assert contact["id"] in await listed(admin, q="сОКОЛОВА")


async def test_the_company_filter_matches_part_of_the_name_and_typos(admin: Actor) -> None:
    company = f"Ромашка {unique('')}"
    contact = await new_contact(admin, name=unique("Company "), company=company)
    assert contact["id"] in await listed(admin, company=company)
    assert contact["id"] in await listed(admin, company=company[-6:].upper())  # a part
    assert contact["id"] in await listed(admin, company="Ромашко")  # a typo
    assert contact["id"] not in await listed(admin, company="Лютик")


async def test_search_groups_every_type_by_name_and_text(admin: Actor) -> None:
    word = unique("w")
    ids: dict[str, str] = {}
    for kind in SEARCHED:
        created = await admin.http.post(f"/api/v1/{kind}", json=SAMPLES[kind].create(word))
        assert created.status_code == 201, created.text
        ids[kind] = created.json()["id"]
    response = await admin.http.get("/api/v1/search", params={"q": word})
    assert response.status_code == 200, response.text
    groups = response.json()["groups"]
    assert [g["type"] for g in groups] == SEARCHED  # every type, in a fixed order
    for group in groups:
        assert [hit["id"] for hit in group["items"]] == [ids[group["type"]]]
    shown = {g["type"]: g["items"][0] for g in groups}
    assert shown["contacts"]["title"] == f"Contact {word}"
    assert shown["contacts"]["subtitle"] == f"ACME · +74951234567 · {word}@example.com"
    assert shown["deals"]["status"] == "new"
    assert shown["users"]["subtitle"] == f"{word}@example.test"
    assert shown["calls"]["status"] == "missed"
    # a record in the trash is not found
    await admin.http.delete(f"/api/v1/notes/{ids['notes']}")
    assert "notes" not in await searched(admin, word)


@pytest.mark.parametrize("index", range(6))
async def test_search_finds_contacts_and_calls_by_any_spelling(admin: Actor, index: int) -> None:
    local = digits_of(unique(""), 7)
    contact = await new_contact(
        admin, name=unique("Caller "), phones=[{"type": "mobile", "number": f"+7916{local}"}]
    )
    call = await admin.http.post(
        "/api/v1/calls",
        json={"direction": "inbound", "from_number": f"+7916{local}", "to_number": "+74951112233"},
    )
    assert call.status_code == 201, call.text
    found = await searched(admin, spellings(local)[index])
    assert contact["id"] in found["contacts"]
    assert call.json()["id"] in found["calls"]


async def test_search_tolerates_typos_and_ranks_the_closest_first(admin: Actor) -> None:
    word = "".join(chr(ord("a") + int(c, 16)) for c in unique(""))  # letters: typos apply
    exact = await new_contact(admin, name=f"Соколова {word}")
    near = await new_contact(admin, name=f"Сокольникова {word}")
    found = await searched(admin, f"Сколова {word}", limit="20")
    assert found["contacts"].index(exact["id"]) < found["contacts"].index(near["id"])


async def test_search_keeps_to_the_types_the_caller_may_read(
    agent: Actor, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    word = unique("perm")
    for kind in ("contacts", "calls"):
        created = await admin.http.post(f"/api/v1/{kind}", json=SAMPLES[kind].create(word))
        assert created.status_code == 201, created.text
    assert list(await searched(agent, word)) == ["contacts", "calls"]
    # a role without read access to a type finds nothing of it, the rest as before
    without_calls = {k: v for k, v in MATRIX[Role.AGENT].items() if k != "calls"}
    monkeypatch.setitem(MATRIX, Role.AGENT, without_calls)
    assert list(await searched(agent, word)) == ["contacts"]
    assert list(await searched(admin, word)) == ["contacts", "calls"]
    monkeypatch.setitem(MATRIX, Role.AGENT, {"calls": READ_ONLY})
    assert list(await searched(agent, word)) == ["calls"]


async def test_search_needs_a_signed_in_employee(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        response = await anonymous.get("/api/v1/search", params={"q": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "limit": "21"}, "limit"),
        ({"q": "a\x00b"}, "q"),
    ],
)
async def test_bad_search_input_is_a_400_naming_the_parameter(
    admin: Actor, params: dict[str, str], field: str
) -> None:
    response = await admin.http.get("/api/v1/search", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_blank_search_finds_nothing(admin: Actor) -> None:
    assert await searched(admin, "   ") == {}
