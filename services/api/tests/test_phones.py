"""Phones: any common way of writing a number becomes E.164; contacts are found by it."""

from __future__ import annotations

import pytest

from switchboard_api.phones import InvalidPhone, phone_search_patterns, to_e164

from fixtures.lifecycle import Actor, unique

SAME_NUMBER = [
    "+7 912 345-67-89",
    "8 (912) 345 67 89",
    "89123456789",
    "+79123456789",
    "9123456789",
    "7 912 345 67 89",
    "+7(912)345-67-89",
]


@pytest.mark.parametrize("written", SAME_NUMBER)
def test_common_formats_become_e164(written: str) -> None:
    assert to_e164(written, "RU") == "+79123456789"


def test_default_region_applies_only_without_a_country_code() -> None:
    assert to_e164("(650) 253-0000", "US") == "+16502530000"
    assert to_e164("+1 650 253 0000", "RU") == "+16502530000"


@pytest.mark.parametrize("bad", ["", "12", "abc", "+7 912", "89123456789999", "+7 912 ext 5", "😀"])
def test_invalid_numbers_are_refused(bad: str) -> None:
    with pytest.raises(InvalidPhone):
        to_e164(bad, "RU")


@pytest.mark.parametrize(
    ("typed", "patterns"),
    [
        ("8916123", ["+7916123"]),  # the national prefix, as people in Russia type numbers
        ("89161234567", ["+79161234567"]),
        ("8 (916) 123-45-67", ["+79161234567"]),
        ("+7916123", ["+7916123"]),
        ("+7 (916) 123", ["+7916123"]),
        ("916 123", ["916123", "+7916123"]),  # no prefix: anywhere, or after the country code
        ("123-45", ["12345", "+712345"]),
        ("Ivan", []),
        ("12", []),
        ("8 916 Ivan", []),
    ],
)
def test_search_patterns(typed: str, patterns: list[str]) -> None:
    assert phone_search_patterns(typed, "RU") == patterns


def test_search_patterns_follow_the_region() -> None:
    assert phone_search_patterns("030 1234", "DE") == ["+49301234"]


async def test_lookup_finds_a_contact_by_any_format(admin: Actor) -> None:
    # a number no other test uses: +7 9xx with random digits
    digits = unique("")[:7]
    local = "".join(str(int(c, 16) % 10) for c in digits)
    e164 = f"+7915{local}"
    created = await admin.http.post(
        "/api/v1/contacts",
        json={"name": unique("phone"), "phones": [{"type": "mobile", "number": f"8 915 {local}"}]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["phones"] == [{"type": "mobile", "number": e164}]
    for written in (e164, f"8 (915) {local[:3]}-{local[3:5]}-{local[5:]}", f"8915{local}"):
        found = await admin.http.get("/api/v1/contacts/lookup", params={"phone": written})
        assert found.status_code == 200, found.text
        assert found.json()["phone"] == e164
        assert [c["id"] for c in found.json()["items"]] == [created.json()["id"]]
    searched = await admin.http.get("/api/v1/contacts", params={"q": f"915 {local[:4]}"})
    assert created.json()["id"] in [c["id"] for c in searched.json()["items"]]
    # a trashed contact is not a match
    await admin.http.delete(f"/api/v1/contacts/{created.json()['id']}")
    found = await admin.http.get("/api/v1/contacts/lookup", params={"phone": e164})
    assert found.json()["items"] == []


async def test_invalid_phones_are_422_naming_the_field(admin: Actor) -> None:
    response = await admin.http.post(
        "/api/v1/contacts",
        json={"name": "x", "phones": [{"number": "+79123456789"}, {"number": "12345"}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "phones[1].number", "message": "'12345' is not a valid phone number"}
    ]
    lookup = await admin.http.get("/api/v1/contacts/lookup", params={"phone": "nope"})
    assert lookup.status_code == 422
    assert lookup.json()["errors"][0]["field"] == "phone"
