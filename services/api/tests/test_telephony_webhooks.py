"""Mango webhooks against an in-process API on the real database: signatures, bad input,
out-of-order and repeated delivery, missed-call tasks, and click-to-call failures."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.mango_fold import fold_mango
from switchboard_pbxsim.scenarios import Ids, Party, build_timeline
from switchboard_pbxsim.script import CallScript
from switchboard_shared.mango import encode_json

from fixtures.auth import UserFactory, running_api, user_factory
from fixtures.lifecycle import actor
from fixtures.telephony import (
    call_row,
    post_webhook,
    random_extension,
    random_mobile,
    stored_events,
)

PROBLEM = "application/problem+json"
KIND = {
    "/events/call": "call",
    "/events/summary": "summary",
    "/events/recording": "recording",
    "/events/record/added": "record_added",
}


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # Missed calls get a call-back task in this module's API; its jobs (recording ingest of
    # made-up recordings) go to a queue no worker serves, so the stack's worker never tries.
    return settings.model_copy(
        update={
            "telephony_missed_call_tasks": True,
            "worker_queue": f"telephony-webhook-tests-{secrets.token_hex(4)}",
        }
    )


@pytest.fixture(scope="module")
async def api(settings: ApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(settings) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
async def users(settings: ApiSettings) -> AsyncIterator[UserFactory]:
    async with user_factory(settings) as factory:
        yield factory


def _entry() -> str:
    return f"test-{secrets.token_hex(8)}"


def _leg(entry: str, call_id: str, seq: int, state: str, ts: int, **extra: Any) -> dict[str, Any]:
    return {
        "entry_id": entry,
        "call_id": call_id,
        "timestamp": ts,
        "seq": seq,
        "call_state": state,
        "location": "abonent",
        **extra,
    }


def _missed_call(entry: str, caller: str, extension: str) -> list[tuple[str, dict[str, Any]]]:
    parties = {
        "from": {"number": caller},
        "to": {
            "extension": extension,
            "number": f"sip:{extension}@x",
            "line_number": "74951234567",
        },
    }
    t0 = 1_735_725_600
    return [
        ("/events/call", _leg(entry, f"{entry}-c", 1, "Appeared", t0, **parties)),
        (
            "/events/call",
            _leg(
                entry, f"{entry}-c", 2, "Disconnected", t0 + 25, disconnect_reason=1110, **parties
            ),
        ),
        (
            "/events/summary",
            {
                "entry_id": entry,
                "call_direction": 1,
                "from": {"number": caller},
                "to": {"extension": extension},
                "line_number": "74951234567",
                "create_time": t0,
                "forward_time": 0,
                "talk_time": 0,
                "end_time": t0 + 25,
                "entry_result": 0,
                "disconnect_reason": 1110,
            },
        ),
    ]


async def test_a_signed_webhook_is_stored_and_acknowledged(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine
) -> None:
    entry = _entry()
    path, payload = _missed_call(entry, random_mobile(), random_extension())[0]
    response = await post_webhook(api, settings, path, payload)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    call = await call_row(engine, provider_call_id=entry)
    assert call is not None
    assert (call["status"], call["direction"]) == ("ringing", "inbound")


@pytest.mark.parametrize(
    "how",
    ["tampered body", "wrong salt", "wrong key"],
)
async def test_bad_signatures_are_401_and_nothing_is_stored(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine, how: str
) -> None:
    entry = _entry()
    path, payload = _missed_call(entry, random_mobile(), random_extension())[0]
    options: dict[str, dict[str, Any]] = {
        "tampered body": {"tamper": lambda j: j.replace('"seq":1', '"seq":9')},
        "wrong salt": {"salt": "not-the-salt"},
        "wrong key": {"key": "not-the-key"},
    }
    kwargs = options[how]
    response = await post_webhook(api, settings, path, payload, **kwargs)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert await stored_events(engine, f"call:{entry}%") == 0
    assert await call_row(engine, provider_call_id=entry) is None


async def test_webhooks_need_no_session(api: httpx.AsyncClient, settings: ApiSettings) -> None:
    # No cookie, no token: the signature alone authenticates (and no CSRF applies).
    path, payload = _missed_call(_entry(), random_mobile(), random_extension())[0]
    response = await post_webhook(api, settings, path, payload)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"\x00\xff garbage", "application/octet-stream", 400),
        (b'{"json": "{}"}', "application/json", 400),
        (b"vpbx_api_key=k&sign=s", "application/x-www-form-urlencoded", 400),
        (b"vpbx_api_key=k&sign=s&json=%7B%7D&extra=1", "application/x-www-form-urlencoded", 400),
        (b"%%%&&&==", "application/x-www-form-urlencoded", 400),
    ],
)
async def test_garbage_forms_are_4xx_problems(
    api: httpx.AsyncClient, body: bytes, content_type: str, status: int
) -> None:
    response = await api.post(
        "/api/v1/telephony/mango/events/call", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("not json at all", 400),
        ("[1, 2, 3]", 422),
        ('{"entry_id": "x"}', 422),  # missing fields
        (
            '{"entry_id":"x","call_id":"c","timestamp":"soon","seq":1,"call_state":"Appeared",'
            '"location":"ivr","from":{},"to":{}}',
            422,
        ),  # wrong type
        (
            '{"entry_id":"x","call_id":"c","timestamp":1,"seq":1,"call_state":"Exploded",'
            '"location":"ivr","from":{},"to":{}}',
            422,
        ),  # unknown state
    ],
)
async def test_signed_but_bad_payloads_are_4xx_problems(
    api: httpx.AsyncClient, settings: ApiSettings, payload: str, status: int
) -> None:
    response = await post_webhook(api, settings, "/events/call", payload)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith(PROBLEM)
    assert problem["status"] == status


async def test_too_large_a_body_is_413(api: httpx.AsyncClient, settings: ApiSettings) -> None:
    response = await post_webhook(api, settings, "/events/call", '{"x":"' + "a" * 70_000 + '"}')
    assert response.status_code == 413


async def test_missed_call_in_any_order_once_with_a_call_back_task(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine, users: UserFactory
) -> None:
    extension = random_extension()
    employee = await users.create("agent", extension=extension)
    caller = random_mobile()
    async with engine.begin() as conn:
        contact_id = (
            await conn.execute(
                text(
                    "INSERT INTO contacts (name, company, phones, phone_numbers, owner_id) "
                    "VALUES (:n, 'ACME', CAST(:p AS jsonb), ARRAY[:e], :o) RETURNING id"
                ),
                {
                    "n": "Caller",
                    "p": f'[{{"type":"mobile","number":"+{caller}"}}]',
                    "e": f"+{caller}",
                    "o": employee.id,  # the contact's owner calls back
                },
            )
        ).scalar_one()
    entry = _entry()
    events = _missed_call(entry, caller, extension)
    for path, payload in [*reversed(events), *events, events[1]]:  # reversed, then repeated
        assert (await post_webhook(api, settings, path, payload)).status_code == 200
    call = await call_row(engine, provider_call_id=entry)
    assert call is not None
    assert (call["status"], call["is_final"], call["direction"]) == ("missed", True, "inbound")
    assert call["employee_id"] == employee.id
    assert call["contact_id"] == contact_id
    assert call["from_number"] == f"+{caller}"
    assert call["talk_seconds"] == 0
    async with engine.connect() as conn:
        tasks = (
            await conn.execute(
                text("SELECT assignee_id, priority FROM tasks WHERE callback_number = :n"),
                {"n": f"+{caller}"},
            )
        ).all()
        events_of_call = (
            (
                await conn.execute(
                    text("SELECT action FROM entity_events WHERE entity_id = :id ORDER BY id"),
                    {"id": call["id"]},
                )
            )
            .scalars()
            .all()
        )
    assert tasks == [(employee.id, "high")]  # exactly one, however often events repeat
    # the summary came first: the call was complete at once; later events changed nothing
    assert events_of_call == ["created"]
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM tasks WHERE related_id = :id"), {"id": contact_id})
        await conn.execute(text("DELETE FROM contacts WHERE id = :id"), {"id": contact_id})


async def test_a_refused_click_to_call_result_fails_the_call(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine
) -> None:
    # A call the system knows by its command only (as after POST /calls/dial).
    command = f"sb-test-{secrets.token_hex(6)}"
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO calls (provider, command_id, direction, status) "
                "VALUES ('mango', :c, 'outbound', 'ringing')"
            ),
            {"c": command},
        )
    result = {"command_id": command, "result": 3100}
    for _ in range(2):
        assert (await post_webhook(api, settings, "/result/callback", result)).status_code == 200
    call = await call_row(engine, command_id=command)
    assert call is not None
    assert (call["status"], call["is_final"], call["disconnect_reason"]) == ("failed", True, 3100)


async def test_dial_needs_an_extension(api: httpx.AsyncClient, users: UserFactory) -> None:
    async with actor(str(api.base_url), users, "agent") as agent:
        response = await agent.http.post("/api/v1/calls/dial", json={"to_number": "+79161234567"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "extension"


async def test_dial_with_the_pbx_down_is_503_and_the_call_failed(
    settings: ApiSettings, users: UserFactory, engine: AsyncEngine
) -> None:
    dead = settings.model_copy(update={"mango_base_url": "http://127.0.0.1:9/vpbx"})
    async with running_api(dead) as url, actor(url, users, "agent") as agent:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE users SET extension = :e WHERE id = :id"),
                {"e": random_extension(), "id": agent.user.id},
            )
        response = await agent.http.post("/api/v1/calls/dial", json={"to_number": "89161234567"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    failed = await call_row(engine, employee_id=agent.user.id)
    assert failed is not None
    assert (failed["status"], failed["is_final"], failed["to_number"]) == (
        "failed",
        True,
        "+79161234567",
    )


async def test_dial_validates_the_number(api: httpx.AsyncClient, users: UserFactory) -> None:
    async with actor(str(api.base_url), users, "agent") as agent:
        bad = await agent.http.post("/api/v1/calls/dial", json={"to_number": "call me"})
        unknown = await agent.http.post(
            "/api/v1/calls/dial", json={"to_number": "+79161234567", "x": 1}
        )
    assert bad.status_code == 422
    assert unknown.status_code == 400


async def test_click_to_call_summary_first_is_merged_into_the_dialed_call(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine
) -> None:
    command, entry, number = f"sb-test-{secrets.token_hex(6)}", _entry(), random_mobile()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO calls (provider, command_id, direction, status) "
                "VALUES ('mango', :c, 'outbound', 'ringing')"
            ),
            {"c": command},
        )
    t0 = 1_735_725_600
    summary = {
        "entry_id": entry,
        "call_direction": 2,
        "from": {"extension": "101"},
        "to": {"number": number},
        "line_number": "74951234567",
        "create_time": t0,
        "forward_time": t0,
        "talk_time": t0 + 11,
        "end_time": t0 + 70,
        "entry_result": 1,
        "disconnect_reason": 1120,
    }
    leg = _leg(
        entry,
        f"{entry}-c",
        1,
        "Appeared",
        t0,
        command_id=command,
        **{"from": {"extension": "101"}, "to": {"number": number}},
    )
    assert (await post_webhook(api, settings, "/events/summary", summary)).status_code == 200
    stray = await call_row(engine, provider_call_id=entry)
    assert stray is not None
    assert stray["command_id"] is None
    assert (await post_webhook(api, settings, "/events/call", leg)).status_code == 200
    dialed = await call_row(engine, command_id=command)
    assert dialed is not None
    assert dialed["provider_call_id"] == entry
    assert (dialed["status"], dialed["is_final"], dialed["talk_seconds"]) == ("completed", True, 59)
    gone = await call_row(engine, id=stray["id"])
    assert gone is not None
    assert gone["deleted_at"] is not None
    assert gone["provider_call_id"] is None


# The reference vector of shared/protocols/mango-vpbx.md §1 (a webhook body, signed).
VECTOR_KEY, VECTOR_SALT = "k3y-ExampleVpbx0001", "s4lt-ExampleVpbx0001"
VECTOR_JSON = (
    '{"entry_id":"RW50cnkx","call_id":"Q2FsbDE=","timestamp":1735689600,"seq":1,'
    '"call_state":"Appeared","location":"abonent","from":{"number":"79161234567"},'
    '"to":{"extension":"101","number":"sip:101@example.mangosip.ru","line_number":"74951234567"}}'
)
VECTOR_SIGN = "aade93b6b3762f7e48a1a55b8e0d763518a2864b52814aa86ba9d6b164b03092"


async def test_the_reference_signature_vector_is_accepted(
    settings: ApiSettings, engine: AsyncEngine
) -> None:
    vector = settings.model_copy(
        update={"mango_api_key": VECTOR_KEY, "mango_api_salt": SecretStr(VECTOR_SALT)}
    )
    form = {"vpbx_api_key": VECTOR_KEY, "sign": VECTOR_SIGN, "json": VECTOR_JSON}
    async with running_api(vector) as url, httpx.AsyncClient(base_url=url) as http:
        async with engine.begin() as conn:  # the vector's ids are fixed: start clean
            await conn.execute(text("DELETE FROM telephony_events WHERE entry_id = 'RW50cnkx'"))
            await conn.execute(text("DELETE FROM calls WHERE provider_call_id = 'RW50cnkx'"))
        accepted = await http.post("/api/v1/telephony/mango/events/call", data=form)
        one_byte_off = await http.post(
            "/api/v1/telephony/mango/events/call",
            data={**form, "json": VECTOR_JSON.replace("1735689600", "1735689601")},
        )
    assert accepted.status_code == 200, accepted.text
    assert one_byte_off.status_code == 401
    call = await call_row(engine, provider_call_id="RW50cnkx")
    assert call is not None
    assert (call["from_number"], call["line_number"]) == ("+79161234567", "+74951234567")
    assert await stored_events(engine, "call:Q2FsbDE=:%") == 1


async def test_the_source_allow_list(settings: ApiSettings) -> None:
    limited = settings.model_copy(
        update={"telephony_webhook_sources": "81.88.80.132,81.88.82.0/24"}
    )
    path, payload = _missed_call(_entry(), random_mobile(), random_extension())[0]
    async with running_api(limited) as url:
        for address, status in (("81.88.80.132", 200), ("81.88.82.44", 200), ("10.9.8.7", 403)):
            # uvicorn trusts X-Forwarded-For from 127.0.0.1, as behind nginx
            async with httpx.AsyncClient(
                base_url=url, headers={"x-forwarded-for": address}
            ) as http:
                response = await post_webhook(http, limited, path, payload)
            assert response.status_code == status, (address, response.text)


def _timeline(script: CallScript, tag: str) -> list[tuple[str, str]]:
    """A simulator timeline with ids of its own, as ``(path, json)`` pairs."""
    timeline = build_timeline(
        script,
        ids=Ids(f"E{tag}", (f"C1{tag}", f"C2{tag}"), f"R{tag}"),
        t0=1_735_725_600,
        line="74951234567",
        party=lambda ext: Party(ext, f"sip:user{ext}@acme.mangosip.ru", -1),
        product_id=1,
    )
    return [(p.path, encode_json(p.payload)) for p in timeline.webhooks]


async def test_concurrent_delivery_of_many_calls_converges(
    api: httpx.AsyncClient, settings: ApiSettings, engine: AsyncEngine
) -> None:
    scripts = [
        CallScript(ivr=True, talk_seconds=30),
        CallScript(outcome="missed"),
        CallScript(outcome="busy"),
        CallScript(direction="outbound", talk_seconds=12),
        CallScript(direction="internal", talk_seconds=5),
    ] * 3
    calls = {secrets.token_hex(6): script for script in scripts}
    posts = [(tag, hook) for tag, s in calls.items() for hook in _timeline(s, tag)] * 2
    random.Random(5).shuffle(posts)  # noqa: S311 - a test ordering
    gate = asyncio.Semaphore(16)

    async def send(path: str, json_text: str) -> int:
        async with gate:
            return (await post_webhook(api, settings, path, json_text)).status_code

    statuses = await asyncio.gather(*(send(path, j) for _, (path, j) in posts))
    assert set(statuses) == {200}
    for tag, script in calls.items():
        expected = fold_mango(
            (KIND[path], msgspec.json.decode(j)) for path, j in _timeline(script, tag)
        )
        call = await call_row(engine, provider_call_id=f"E{tag}")
        assert call is not None
        got = (call["status"], call["is_final"], call["talk_seconds"], call["ended_at"])
        assert got == (expected.status, True, expected.talk_seconds, expected.ended_at), tag
