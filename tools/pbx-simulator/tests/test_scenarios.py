"""Scripted calls reach "our API" as signed webhooks in the reference's §6 sequences."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .conftest import Receiver, Simulator, verified_payloads

LINE = "74951234567"
CALLER = "79161234567"
SIP_101 = "sip:user101@acme.mangosip.ru"
SIP_102 = "sip:user102@acme.mangosip.ru"


def steps(receiver: Receiver) -> list[tuple[str, str, int]]:
    """(path, call_id or recording_id, state) of each webhook: the shape of a sequence."""
    shape = []
    for path, payload in verified_payloads(receiver):
        if path == "/events/call":
            shape.append((path, payload["call_id"], payload["call_state"]))
        elif path == "/events/recording":
            shape.append((path, payload["call_id"], payload["recording_state"]))
        else:
            shape.append((path, "", ""))
    return shape


def payloads(receiver: Receiver, path: str) -> list[dict[str, Any]]:
    return [p for route, p in verified_payloads(receiver) if route == path]


def assert_seq_per_leg(receiver: Receiver) -> None:
    """seq counts 1, 2, 3... per call_id (and per recording_id), with rising timestamps."""
    by_leg: dict[str, list[dict[str, Any]]] = {}
    for payload in payloads(receiver, "/events/call"):
        by_leg.setdefault(payload["call_id"], []).append(payload)
    for events in by_leg.values():
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        times = [e["timestamp"] for e in events]
        assert times == sorted(times)
    recording = payloads(receiver, "/events/recording")
    assert [e["seq"] for e in recording] == list(range(1, len(recording) + 1))


async def user_id_of(simulator: Simulator, extension: str) -> int:
    reply = await simulator.mango("config/users/request", {"extension": extension})
    user_id: int = (await reply.json())["users"][0]["general"]["user_id"]
    return user_id


async def test_inbound_answered_via_ivr_recorded(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(
        direction="inbound", outcome="answered", ivr=True, talk_seconds=83, ring_seconds=6
    )
    ivr, leg = run["call_ids"]
    assert steps(receiver) == [
        ("/events/call", ivr, "Appeared"),
        ("/events/call", ivr, "Disconnected"),
        ("/events/call", leg, "Appeared"),
        ("/events/call", leg, "Connected"),
        ("/events/recording", leg, "Started"),
        ("/events/call", leg, "Disconnected"),
        ("/events/recording", leg, "Completed"),
        ("/events/summary", "", ""),
        ("/events/record/added", "", ""),
    ]
    assert_seq_per_leg(receiver)
    calls = payloads(receiver, "/events/call")
    assert {c["entry_id"] for c in calls} == {run["entry_id"]}
    assert calls[0]["location"] == "ivr"
    assert calls[0]["to"] == {"number": LINE, "line_number": LINE}
    assert calls[1]["disconnect_reason"] == 1100
    assert calls[2]["location"] == "abonent"
    assert calls[2]["from"] == {"number": CALLER, "taken_from_call_id": ivr}
    assert calls[2]["to"] == {"extension": "101", "number": SIP_101, "line_number": LINE}
    assert calls[4]["disconnect_reason"] == 1110
    t0 = calls[0]["timestamp"]
    assert [c["timestamp"] - t0 for c in calls] == [0, 6, 6, 12, 95]

    started, completed = payloads(receiver, "/events/recording")
    assert started["recording_id"] == completed["recording_id"] == run["recording_id"]
    assert started["extension"] == "101"
    assert completed["completion_code"] == 1000
    assert completed["recipient"] == "Cloud"

    (summary,) = payloads(receiver, "/events/summary")
    assert summary == {
        "entry_id": run["entry_id"],
        "call_direction": 1,
        "from": {"number": CALLER},
        "to": {"extension": "101", "number": SIP_101},
        "line_number": LINE,
        "create_time": t0,
        "forward_time": t0 + 6,
        "talk_time": t0 + 12,
        "end_time": t0 + 95,
        "entry_result": 1,
        "disconnect_reason": 1110,
    }
    (added,) = payloads(receiver, "/events/record/added")
    assert added["recording_id"] == run["recording_id"]
    assert added["entry_id"] == run["entry_id"]
    assert added["product_id"] == simulator.settings.product_id
    assert added["user_id"] == await user_id_of(simulator, "101")


async def test_inbound_missed(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(direction="inbound", outcome="missed", ring_seconds=25)
    (leg,) = run["call_ids"]
    assert run["recording_id"] is None
    assert steps(receiver) == [
        ("/events/call", leg, "Appeared"),
        ("/events/call", leg, "Disconnected"),
        ("/events/summary", "", ""),
    ]
    assert_seq_per_leg(receiver)
    appeared, ended = payloads(receiver, "/events/call")
    assert "taken_from_call_id" not in appeared["from"]
    assert ended["disconnect_reason"] == 1110
    (summary,) = payloads(receiver, "/events/summary")
    t0 = appeared["timestamp"]
    assert summary["entry_result"] == 0
    assert summary["forward_time"] == summary["talk_time"] == 0
    assert summary["end_time"] == t0 + 25
    assert summary["to"] == {"extension": "101", "number": SIP_101}


async def test_inbound_busy(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(direction="inbound", outcome="busy", extension="102")
    assert len(run["call_ids"]) == 1
    assert [s[2] for s in steps(receiver)] == ["Appeared", "Disconnected", ""]
    _, ended = payloads(receiver, "/events/call")
    assert ended["disconnect_reason"] == 1121
    (summary,) = payloads(receiver, "/events/summary")
    assert summary["entry_result"] == 0
    assert summary["disconnect_reason"] == 1121
    assert summary["to"]["extension"] == "102"


async def test_outbound_answered_from_a_phone(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(
        direction="outbound", outcome="answered", number="79035550000", talk_seconds=20,
        record=False,
    )  # fmt: skip
    (leg,) = run["call_ids"]
    assert steps(receiver) == [
        ("/events/call", leg, "Appeared"),
        ("/events/call", leg, "Connected"),
        ("/events/call", leg, "Disconnected"),
        ("/events/summary", "", ""),
    ]
    appeared = payloads(receiver, "/events/call")[0]
    assert appeared["from"] == {"extension": "101", "number": SIP_101}
    assert appeared["to"] == {"number": "79035550000", "line_number": LINE}
    (summary,) = payloads(receiver, "/events/summary")
    assert summary["call_direction"] == 2
    assert summary["from"] == {"extension": "101", "number": SIP_101}
    assert summary["to"] == {"number": "79035550000"}
    assert summary["forward_time"] == summary["create_time"]
    assert summary["end_time"] - summary["talk_time"] == 20
    assert summary["entry_result"] == 1
    assert summary["disconnect_reason"] == 1120


async def test_outbound_missed_is_a_timeout(simulator: Simulator, receiver: Receiver) -> None:
    await simulator.play(direction="outbound", outcome="missed")
    ended = payloads(receiver, "/events/call")[-1]
    assert ended["disconnect_reason"] == 1111
    assert payloads(receiver, "/events/summary")[0]["entry_result"] == 0


async def test_internal_call(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(
        direction="internal", extension="101", to_extension="102", talk_seconds=10
    )
    (leg,) = run["call_ids"]
    assert [s[:3] for s in steps(receiver)] == [
        ("/events/call", leg, "Appeared"),
        ("/events/call", leg, "Connected"),
        ("/events/recording", leg, "Started"),
        ("/events/call", leg, "Disconnected"),
        ("/events/recording", leg, "Completed"),
        ("/events/summary", "", ""),
        ("/events/record/added", "", ""),
    ]
    appeared = payloads(receiver, "/events/call")[0]
    assert appeared["from"] == {"extension": "101", "number": SIP_101}
    assert appeared["to"] == {"extension": "102", "number": SIP_102}
    (summary,) = payloads(receiver, "/events/summary")
    assert summary["call_direction"] == 0
    assert "line_number" not in summary
    assert summary["to"] == {"extension": "102", "number": SIP_102}


def json_texts(receiver: Receiver) -> list[str]:
    return [item.fields["json"] for item in receiver.received]


async def test_reversed_and_shuffled_really_reorder(
    simulator: Simulator, receiver: Receiver
) -> None:
    realistic = await simulator.play(ivr=True)
    in_order = [w["json"] for w in realistic["webhooks"]]
    assert json_texts(receiver) == in_order

    receiver.received.clear()
    reversed_run = await simulator.play(ivr=True, delivery={"order": "reversed"})
    texts = json_texts(receiver)
    assert [w["index"] for w in reversed_run["webhooks"]] == list(range(9))[::-1]
    assert verified_payloads(receiver)[0][0] == "/events/record/added"
    assert len(texts) == 9

    for seed in range(5):
        receiver.received.clear()
        run = await simulator.play(delivery={"order": "shuffled", "seed": seed})
        indexes = [w["index"] for w in run["webhooks"]]
        assert sorted(indexes) == list(range(len(indexes)))
        assert indexes != sorted(indexes)
        arrived = json_texts(receiver)
        assert arrived == [w["json"] for w in run["webhooks"]]
        assert len(set(arrived)) == len(arrived)


async def test_duplicates_arrive_again_after_the_first_pass(
    simulator: Simulator, receiver: Receiver
) -> None:
    run = await simulator.play(outcome="missed", delivery={"duplicates": 2})
    texts = json_texts(receiver)
    assert len(texts) == 9
    assert set(Counter(texts).values()) == {3}
    assert texts[:3] == texts[3:6] == texts[6:]
    assert [p for p, _ in verified_payloads(receiver)][3] == "/events/call"  # after the summary
    assert all(w["status"] == 200 for w in run["webhooks"])


async def test_a_delayed_webhook_arrives_late(simulator: Simulator, receiver: Receiver) -> None:
    run = await simulator.play(outcome="missed", delivery={"gap": 0.05, "delays": {"0": 0.4}})
    paths = [p for p, _ in verified_payloads(receiver)]
    assert paths == ["/events/call", "/events/summary", "/events/call"]
    first_leg_event = payloads(receiver, "/events/call")[-1]
    assert first_leg_event["call_state"] == "Appeared"
    assert first_leg_event["seq"] == 1
    assert [w["index"] for w in run["webhooks"]] == [1, 2, 0]


async def test_bad_scripts_are_400(simulator: Simulator) -> None:
    for script in ({"direction": "sideways"}, {"talk_seconds": -1}, {"colour": "red"}):
        async with simulator.http.post(f"{simulator.url}/control/calls", json=script) as resp:
            assert resp.status == 400, script
    async with simulator.http.post(f"{simulator.url}/control/calls", data=b"{") as resp:
        assert resp.status == 400
    async with simulator.http.get(f"{simulator.url}/control/calls/nope") as resp:
        assert resp.status == 404
