"""Click-to-call's guard against toll fraud: a destination policy and a per-user dial limit,
both enforced before a call record exists or the PBX hears of the call."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory
from fixtures.lifecycle import actor
from fixtures.telephony import call_row, random_extension

DIAL = "/api/v1/calls/dial"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A PBX that does not answer: every allowed dial ends 503 at once, and nobody is rung.
    return settings.model_copy(
        update={
            "mango_base_url": "http://127.0.0.1:9/vpbx",
            "telephony_dial_prefixes": "+7,+37517",
            "telephony_dial_limit": 3,
            "telephony_dial_window_seconds": 300,
        }
    )


async def _give_extension(engine: AsyncEngine, user_id: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET extension = :e WHERE id = :id"),
            {"e": random_extension(), "id": user_id},
        )


async def test_destinations_outside_the_policy_are_403(
    api_url: str, employees: UserFactory, engine: AsyncEngine
) -> None:
    async with actor(api_url, employees, "agent") as agent:
        await _give_extension(engine, agent.user.id)
        for number in ("+12025550143", "+375291234567", "+4915123456789"):
            response = await agent.http.post(DIAL, json={"to_number": number})
            assert response.status_code == 403, (number, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
            problem = response.json()
            assert "dialing policy" in problem["detail"]
            assert problem["errors"][0]["field"] == "to_number"
        allowed = await agent.http.post(DIAL, json={"to_number": "+375171234567"})
        assert allowed.status_code == 503, "allowed: it reached the (dead) PBX"
    assert await call_row(engine, employee_id=agent.user.id, to_number="+12025550143") is None


async def test_each_user_has_a_dial_limit(
    api_url: str, employees: UserFactory, engine: AsyncEngine
) -> None:
    async with (
        actor(api_url, employees, "agent") as agent,
        actor(api_url, employees, "agent") as other,
    ):
        for person in (agent, other):
            await _give_extension(engine, person.user.id)
        for _ in range(3):
            response = await agent.http.post(DIAL, json={"to_number": "+79161234567"})
            assert response.status_code == 503  # allowed, and the PBX is down
        over = await agent.http.post(DIAL, json={"to_number": "+79161234567"})
        assert over.status_code == 403  # refused like a forbidden destination
        assert over.headers["content-type"].startswith(PROBLEM)
        assert over.json()["type"] == "urn:switchboard:problem:dial-limit"
        assert 1 <= int(over.headers["retry-after"]) <= 300
        # The limit is the caller's own: a colleague still dials.
        assert (await other.http.post(DIAL, json={"to_number": "+79161234567"})).status_code == 503


def test_the_policy_setting_refuses_what_is_not_a_prefix() -> None:
    with pytest.raises(ValueError, match=r"not an E\.164 prefix"):
        ApiSettings(telephony_dial_prefixes="+7, 8800")
