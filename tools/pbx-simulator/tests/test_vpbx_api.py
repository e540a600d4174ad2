"""The simulated VPBX API: Mango's signing, error codes, members, lines and number lists."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from switchboard_shared.mango import build_form

from .conftest import API_KEY, API_SALT, Simulator


async def body(response: aiohttp.ClientResponse) -> Any:
    return await response.json(content_type=None)


async def test_healthz(simulator: Simulator) -> None:
    async with simulator.http.get(f"{simulator.url}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"sign": "0" * 64}, 3102),
        ({"json": '{"extension":"102"}'}, 3102),  # tampered after signing
        ({"vpbx_api_key": "someone-else"}, 3105),
        ({"sign": ""}, 3103),
    ],
)
async def test_bad_credentials_get_mangos_error(
    simulator: Simulator, overrides: dict[str, str], code: int
) -> None:
    response = await simulator.mango("config/users/request", {"extension": "101"}, **overrides)
    assert response.status == 420
    assert (await body(response))["code"] == code


async def test_not_post_bad_json_and_unknown_method(simulator: Simulator) -> None:
    async with simulator.http.get(f"{simulator.url}/vpbx/config/users/request") as response:
        assert response.status == 420
        assert (await body(response))["code"] == 3101
    response = await simulator.mango("config/users/request", "{not json")
    assert (await body(response))["code"] == 3400
    response = await simulator.mango("member/delete", {"user_id": "abc"})
    assert (await body(response))["code"] == 3104
    response = await simulator.mango("member/delete", {})
    assert (await body(response))["code"] == 3103
    response = await simulator.mango("commands/sms", {"command_id": "x"})
    assert (await body(response))["code"] == 4001


async def test_multipart_form_is_accepted(simulator: Simulator) -> None:
    form = aiohttp.FormData(
        build_form(API_KEY, API_SALT, {}).as_fields(), default_to_multipart=True
    )
    async with simulator.http.post(f"{simulator.url}/vpbx/incominglines", data=form) as response:
        assert response.status == 200
        assert (await response.json())["result"] == 1000


async def test_members_lifecycle(simulator: Simulator) -> None:
    listed = await body(await simulator.mango("config/users/request", {}))
    assert [u["telephony"]["extension"] for u in listed["users"]] == ["101", "102", "103"]
    ivan = listed["users"][0]
    assert ivan["general"]["name"] == "Ivan"
    assert ivan["telephony"]["numbers"][0]["number"] == "sip:user101@acme.mangosip.ru"

    created = await body(
        await simulator.mango(
            "member/create", {"name": "Олег", "access_role_id": 1, "extension": "105"}
        )
    )
    assert created["result"] == 1000
    user_id = created["user_id"]
    duplicate = await simulator.mango(
        "member/create", {"name": "X", "access_role_id": 1, "extension": "105"}
    )
    assert duplicate.status == 420
    assert (await body(duplicate))["code"] == 3100

    update = {
        "user_id": user_id,
        "position": "sales",
        "numbers": [{"number": "79990001122", "protocol": "tel"}],
    }
    assert await body(await simulator.mango("member/update", update)) == {"result": 1000}
    one = await body(await simulator.mango("config/users/request", {"extension": "105"}))
    assert len(one["users"]) == 1
    assert one["users"][0]["general"]["name"] == "Олег"
    assert one["users"][0]["general"]["position"] == "sales"
    assert [n["number"] for n in one["users"][0]["telephony"]["numbers"]] == ["79990001122"]

    deleted = await simulator.mango("member/delete", {"user_id": user_id})
    assert await body(deleted) == {"result": 1000}
    again = await simulator.mango("member/delete", {"user_id": user_id})
    assert again.status == 420
    assert (await body(again))["code"] == 3300
    gone = await body(await simulator.mango("config/users/request", {"extension": "105"}))
    assert gone["users"] == []


async def test_lines_seeded_and_added_by_control(simulator: Simulator) -> None:
    lines = await body(await simulator.mango("incominglines", {}))
    assert [line["number"] for line in lines["lines"]] == ["74951234567", "78005553535"]
    async with simulator.http.post(
        f"{simulator.url}/control/lines", json={"number": "78121112233", "name": "SPb"}
    ) as response:
        assert response.status == 201
    lines = await body(await simulator.mango("incominglines", {}))
    assert lines["lines"][-1]["number"] == "78121112233"
    async with simulator.http.post(f"{simulator.url}/control/lines", json={"nope": 1}) as bad:
        assert bad.status == 400


async def test_black_and_white_lists(simulator: Simulator) -> None:
    state = await body(await simulator.mango("bwlists/state/", {}))
    assert state == {"result": 1000, "active": "black"}
    for number, list_type in (("79160000001", "black"), ("7495*", "white")):
        added = await simulator.mango(
            "bwlists/number/add/", {"list_type": list_type, "number": number, "comment": "t"}
        )
        assert await body(added) == {"result": 1000}
    lists = (await body(await simulator.mango("bwlists/numbers/", {})))["data"]
    assert [n["number"] for n in lists["black"]["numbers"]] == ["79160000001"]
    assert [n["number"] for n in lists["white"]["numbers"]] == ["7495*"]
    number_id = lists["black"]["numbers"][0]["number_id"]
    deleted = await simulator.mango("bwlists/number/delete", {"number_id": number_id})
    assert await body(deleted) == {"result": 1000}
    missing = await simulator.mango("bwlists/number/delete/", {"number_id": number_id})
    assert (await body(missing))["code"] == 3300
    lists = (await body(await simulator.mango("bwlists/numbers/", {})))["data"]
    assert lists["black"]["numbers"] == []
    bad = await simulator.mango("bwlists/number/add/", {"list_type": "grey", "number": "1"})
    assert (await body(bad))["code"] == 3104
