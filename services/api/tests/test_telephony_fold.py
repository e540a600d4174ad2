"""The fold of Mango events into a call, without I/O: every scenario the simulator plays,
in realistic, reversed, shuffled and duplicated order, gives exactly the same call."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from switchboard_api.telephony.call_folding import e164
from switchboard_api.telephony.facts import CallFacts
from switchboard_api.telephony.mango_fold import fold_mango
from switchboard_pbxsim.scenarios import Ids, Party, Planned, build_timeline
from switchboard_pbxsim.script import CallScript
from switchboard_shared.mango import CommandResult, ResultCode

T0 = 1_735_725_600
KIND = {
    "/events/call": "call",
    "/events/summary": "summary",
    "/events/recording": "recording",
    "/events/record/added": "record_added",
    "/result/callback": "result",
}


def _party(extension: str) -> Party:
    return Party(extension, f"sip:user{extension}@acme.mangosip.ru", 300_000 + int(extension))


def _events(script: CallScript, lead: list[Planned] | None = None) -> list[tuple[str, Any]]:
    timeline = build_timeline(
        script,
        ids=Ids("E1", ("C1", "C2"), "R1"),
        t0=T0,
        line="74951234567",
        party=_party,
        product_id=1,
    )
    return [
        (KIND[p.path], msgspec.to_builtins(p.payload)) for p in [*(lead or []), *timeline.webhooks]
    ]


def _at(offset: int) -> datetime:
    return datetime.fromtimestamp(T0 + offset, UTC)


def _orders(events: list[Any]) -> list[list[Any]]:
    shuffles = []
    for seed in range(6):
        copy = list(events)
        random.Random(seed).shuffle(copy)  # noqa: S311 - test orderings, not crypto
        shuffles.append(copy)
    return [events, list(reversed(events)), events + events, *shuffles]


def _key(facts: CallFacts) -> dict[str, Any]:
    data = {k: getattr(facts, k) for k in facts.__slots__}
    data["command_ids"] = sorted(data["command_ids"])
    return data


def _check_every_order(events: list[Any]) -> CallFacts:
    results = [fold_mango(order) for order in _orders(events)]
    first = _key(results[0])
    for other in results[1:]:
        assert _key(other) == first
    return results[0]


def test_inbound_answered_via_ivr() -> None:
    facts = _check_every_order(_events(CallScript(ivr=True, talk_seconds=42, ring_seconds=6)))
    assert facts.direction == "inbound"
    assert (facts.status, facts.is_final) == ("completed", True)
    assert facts.from_number == "79161234567"
    assert facts.line_number == "74951234567"
    assert facts.employee_extension == "101"
    assert facts.started_at == _at(0)
    assert facts.answered_at == _at(12)
    assert facts.ended_at == _at(54)
    assert facts.talk_seconds == 42
    assert facts.disconnect_reason == ResultCode.ENDED_BY_CALLER
    assert facts.recording_id == "R1"
    assert facts.ringing_extensions == []


@pytest.mark.parametrize("outcome", ["missed", "busy"])
def test_inbound_not_answered_is_missed(outcome: str) -> None:
    facts = _check_every_order(_events(CallScript(outcome=outcome, ring_seconds=25)))  # type: ignore[arg-type]
    assert (facts.status, facts.is_final, facts.direction) == ("missed", True, "inbound")
    assert facts.employee_extension == "101"
    assert facts.answered_at is None
    assert facts.talk_seconds == 0
    assert facts.recording_id is None


@pytest.mark.parametrize(
    ("outcome", "status"), [("answered", "completed"), ("missed", "failed"), ("busy", "failed")]
)
def test_outbound(outcome: str, status: str) -> None:
    script = CallScript(direction="outbound", outcome=outcome, talk_seconds=30, ring_seconds=5)  # type: ignore[arg-type]
    facts = _check_every_order(_events(script))
    assert (facts.direction, facts.status, facts.is_final) == ("outbound", status, True)
    assert facts.employee_extension == "101"
    assert facts.to_number == "79161234567"
    assert facts.talk_seconds == (30 if outcome == "answered" else 0)


def test_click_to_call_links_the_command_and_times_the_client_leg() -> None:
    script = CallScript(direction="outbound", command_id="cmd-42", talk_seconds=20, ring_seconds=5)
    result = Planned("/result/callback", CommandResult(command_id="cmd-42", result=1000))
    facts = _check_every_order(_events(script, [result]))
    assert facts.command_ids == {"cmd-42"}
    assert (facts.status, facts.employee_extension, facts.to_number) == (
        "completed",
        "101",
        "79161234567",
    )
    # 4 s ringing the employee first, then 5 s until the client answered
    assert facts.answered_at == _at(9)
    assert facts.talk_seconds == 20


def test_internal_call() -> None:
    facts = _check_every_order(_events(CallScript(direction="internal", talk_seconds=10)))
    assert (facts.direction, facts.status) == ("internal", "completed")
    assert (facts.from_extension, facts.to_extension) == ("101", "102")
    assert facts.from_number is None
    assert facts.external_number is None


def test_states_before_the_summary() -> None:
    events = _events(CallScript(ivr=True, talk_seconds=30))
    calls = [e for e in events if e[0] == "call"]
    # IVR leg only: still ringing (the employee has not been reached)
    assert fold_mango(calls[:2]).status == "ringing"
    # the employee's phone rings: a popup for 101
    ringing = fold_mango(calls[:3])
    assert (ringing.status, ringing.ringing_extensions) == ("ringing", ["101"])
    assert fold_mango(calls[:4]).status == "in_progress"
    ended = fold_mango(calls)
    assert (ended.status, ended.is_final, ended.talk_seconds) == ("completed", False, 30)


def test_a_late_leg_event_never_reopens_a_finished_call() -> None:
    events = _events(CallScript(talk_seconds=30))
    summary = [e for e in events if e[0] == "summary"]
    appeared = [e for e in events if e[0] == "call"][:1]
    facts = fold_mango(summary + appeared)
    assert (facts.status, facts.is_final, facts.ringing_extensions) == ("completed", True, [])


def test_a_refused_click_to_call_fails() -> None:
    refused = ("result", {"command_id": "cmd-1", "result": 3100})
    facts = fold_mango([refused])
    assert (facts.status, facts.is_final, facts.direction) == ("failed", True, "outbound")


def test_every_prefix_of_every_order_is_a_valid_state() -> None:
    events = _events(CallScript(ivr=True))
    for order in itertools.islice(itertools.permutations(events), 0, 2000, 97):
        for n in range(1, len(order) + 1):
            facts = fold_mango(list(order[:n]))
            assert facts.status in ("ringing", "in_progress", "completed", "missed", "failed")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("79161234567", "+79161234567"),
        ("+79161234567", "+79161234567"),
        ("89161234567", "+79161234567"),
        ("sip:user101@acme.mangosip.ru", None),
        ("", None),
        (None, None),
    ],
)
def test_provider_numbers_become_e164(raw: str | None, expected: str | None) -> None:
    assert e164(raw, "RU") == expected
