"""commands/callback: accepted at once, then /result/callback and the §6 C call webhooks."""

from __future__ import annotations

from typing import Any

from .conftest import Receiver, Simulator, verified_payloads


async def finished_run(simulator: Simulator, command_id: str) -> dict[str, Any]:
    async with simulator.http.get(
        f"{simulator.url}/control/calls", params={"command_id": command_id}
    ) as response:
        (run,) = (await response.json())["calls"]
    async with simulator.http.get(f"{simulator.url}/control/calls/{run['id']}?wait=true") as done:
        result: dict[str, Any] = await done.json()
    assert result["status"] == "done"
    return result


async def test_click_to_call_posts_result_and_plays_the_call(
    simulator: Simulator, receiver: Receiver
) -> None:
    command = {
        "command_id": "cmd-42",
        "from": {"extension": "101"},
        "to_number": "79161234567",
        "line_number": "74951234567",
    }
    response = await simulator.mango("commands/callback", command)
    assert response.status == 200
    assert await response.json() == {"result": 1000}

    run = await finished_run(simulator, "cmd-42")
    webhooks = verified_payloads(receiver)
    assert webhooks[0] == ("/result/callback", {"command_id": "cmd-42", "result": 1000})
    calls = [p for path, p in webhooks if path == "/events/call"]
    ring_me, leg = run["call_ids"]
    assert [(c["call_id"], c["call_state"]) for c in calls] == [
        (ring_me, "Appeared"),
        (ring_me, "Connected"),
        (ring_me, "Disconnected"),
        (leg, "Appeared"),
        (leg, "Connected"),
        (leg, "Disconnected"),
    ]
    assert all(c["command_id"] == "cmd-42" for c in calls)
    assert calls[0]["to"]["extension"] == "101"
    assert calls[3]["from"]["taken_from_call_id"] == ring_me
    assert calls[3]["to"] == {"number": "79161234567"}
    (summary,) = [p for path, p in webhooks if path == "/events/summary"]
    assert summary["call_direction"] == 2
    assert summary["line_number"] == "74951234567"
    assert summary["end_time"] - summary["talk_time"] == 5
    assert [path for path, _ in webhooks].count("/events/record/added") == 1


async def test_click_to_call_from_unknown_extension_fails_later(
    simulator: Simulator, receiver: Receiver
) -> None:
    command = {"command_id": "cmd-43", "from": {"extension": "999"}, "to_number": "7916"}
    response = await simulator.mango("commands/callback", command)
    assert await response.json() == {"result": 1000}
    await finished_run(simulator, "cmd-43")
    assert verified_payloads(receiver) == [
        ("/result/callback", {"command_id": "cmd-43", "result": 3100})
    ]


async def test_click_to_call_with_a_bad_signature_is_refused(
    simulator: Simulator, receiver: Receiver
) -> None:
    command = {"command_id": "cmd-44", "from": {"extension": "101"}, "to_number": "7916"}
    response = await simulator.mango("commands/callback", command, sign="f" * 64)
    assert response.status == 420
    assert (await response.json())["code"] == 3102
    async with simulator.http.get(f"{simulator.url}/control/calls") as listed:
        assert (await listed.json())["calls"] == []
    assert receiver.received == []
