"""The simulated call history (``stats/request`` -> ``stats/result``): every played call,
delivered or lost, as Mango's ``;``-separated CSV, by period and by the columns asked for."""

from __future__ import annotations

from typing import Any

import aiohttp

from switchboard_shared.mango import HISTORY_FIELDS, read_history

from .conftest import Receiver, Simulator


async def _report(simulator: Simulator, request: dict[str, Any]) -> aiohttp.ClientResponse:
    asked = await simulator.mango("stats/request", request)
    assert asked.status == 200
    key = (await asked.json(content_type=None))["key"]
    return await simulator.mango("stats/result", {"key": key})


async def test_history_holds_delivered_and_lost_calls_of_the_period(
    simulator: Simulator, receiver: Receiver
) -> None:
    t0 = 1_700_000_000
    answered = await simulator.play(number="79160000001", talk_seconds=4, ring_seconds=2,
                                    record=False, started_at=t0)  # fmt: skip
    lost = await simulator.play(outcome="missed", number="79160000002", ring_seconds=5,
                                started_at=t0 + 100, delivery={"lost": True})  # fmt: skip
    await simulator.play(number="79160000003", started_at=t0 + 10_000, record=False)
    assert lost["webhooks"] == []
    assert all(r.payload.get("entry_id") != lost["entry_id"] for r in receiver.received)

    fields = ",".join(HISTORY_FIELDS)
    response = await _report(simulator, {"date_from": t0, "date_to": t0 + 1000, "fields": fields})
    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = read_history(await response.text())
    assert [r["entry_id"] for r in rows] == [answered["entry_id"], lost["entry_id"]]
    first, second = rows
    assert (first["start"], first["answer"], first["from_number"]) == (
        str(t0),
        str(t0 + 2),
        "79160000001",
    )
    assert first["to_extension"] == "101"
    assert (second["answer"], second["from_number"], second["disconnect_reason"]) == (
        "0",
        "79160000002",
        "1110",
    )
    assert second["finish"] == str(t0 + 100 + 5)


async def test_columns_follow_the_request_and_bad_requests_are_refused(
    simulator: Simulator,
) -> None:
    run = await simulator.play(number="79160000004", started_at=1_600_000_000, record=False)
    response = await _report(
        simulator,
        {"date_from": 1_600_000_000, "date_to": 1_600_000_100, "fields": "entry_id,start"},
    )
    assert await response.text() == f"{run['entry_id']};1600000000\n"
    unknown = await simulator.mango("stats/result", {"key": "nope"})
    assert unknown.status == 404
    bad = await simulator.mango("stats/request", {"date_from": 10, "date_to": 1, "fields": "x"})
    assert bad.status == 420
    assert (await bad.json(content_type=None))["code"] == 3104
