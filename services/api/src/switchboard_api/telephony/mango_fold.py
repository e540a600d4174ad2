"""Folding Mango's webhooks for one call group (``entry_id``) into :class:`CallFacts`.

Pure and order-independent: the result depends only on the *set* of events, so however
the webhooks arrive (parallel, reordered, repeated) the call converges to the same state.
Per leg (``call_id``) the event with the highest ``seq`` is its current state; the summary,
when present, is the final word on times and outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from switchboard_api.telephony.facts import CallFacts
from switchboard_shared.mango import (
    CallDirection,
    CallEvent,
    CallState,
    CommandResult,
    Location,
    RecordAddedEvent,
    RecordingEvent,
    RecordingState,
    ResultCode,
    SummaryEvent,
)

RECORDING_TOO_SHORT = 4002

_DIRECTIONS = {
    CallDirection.INTERNAL: "internal",
    CallDirection.INBOUND: "inbound",
    CallDirection.OUTBOUND: "outbound",
}


def _time(ts: int | None) -> datetime | None:
    return None if not ts else datetime.fromtimestamp(ts, UTC)


@dataclass
class _Events:
    """The events of one call, sorted by kind."""

    legs: dict[str, list[CallEvent]] = field(default_factory=dict)
    summary: SummaryEvent | None = None
    recordings: list[RecordingEvent] = field(default_factory=list)
    added: list[RecordAddedEvent] = field(default_factory=list)
    results: list[CommandResult] = field(default_factory=list)

    @classmethod
    def of(cls, stored: Iterable[tuple[str, dict[str, Any]]]) -> _Events:
        events = cls()
        for kind, payload in stored:
            if kind == "call":
                leg = msgspec.convert(payload, CallEvent)
                events.legs.setdefault(leg.call_id, []).append(leg)
            elif kind == "summary":
                events.summary = msgspec.convert(payload, SummaryEvent)
            elif kind == "recording":
                events.recordings.append(msgspec.convert(payload, RecordingEvent))
            elif kind == "record_added":
                events.added.append(msgspec.convert(payload, RecordAddedEvent))
            elif kind == "result":
                events.results.append(msgspec.convert(payload, CommandResult))
        for leg_events in events.legs.values():
            leg_events.sort(key=lambda e: e.seq)
        return events

    def current(self) -> dict[str, CallEvent]:
        """Each leg's latest event (highest ``seq``)."""
        return {call_id: leg[-1] for call_id, leg in self.legs.items()}

    def all_calls(self) -> list[CallEvent]:
        return [e for leg in self.legs.values() for e in leg]

    def talk_legs(self) -> list[CallEvent]:
        """Connected events of legs that were not handed on to another leg (the ring-the-
        employee-first leg of a click-to-call is handed on; the conversation is not)."""
        handed_on = {
            e.from_.taken_from_call_id for e in self.all_calls() if e.from_.taken_from_call_id
        }
        return sorted(
            (
                e
                for e in self.all_calls()
                if e.call_state is CallState.CONNECTED and e.call_id not in handed_on
            ),
            key=lambda e: (e.timestamp, e.seq),
        )


def _direction(events: _Events) -> str | None:
    if events.summary is not None:
        return _DIRECTIONS.get(events.summary.call_direction)
    calls = events.all_calls()
    if not calls:
        return "outbound" if events.results else None
    if any(e.command_id for e in calls):
        return "outbound"
    first = min(calls, key=lambda e: (e.timestamp, e.seq))
    if first.from_.extension and first.to.extension:
        return "internal"
    return "outbound" if first.from_.extension else "inbound"


def _parties(facts: CallFacts, events: _Events) -> None:
    """Numbers, extensions, line and the employee, from the summary or else the legs."""
    summary, calls = events.summary, events.all_calls()
    talk = events.talk_legs()
    line = (summary.line_number if summary else None) or next(
        (e.to.line_number for e in calls if e.to.line_number), None
    )
    facts.line_number = line
    if facts.direction == "inbound":
        facts.from_number = (summary.from_.number if summary else None) or next(
            (e.from_.number for e in calls if e.from_.number), None
        )
        facts.to_number = line
        answered = talk[0].to.extension if talk else None
        rung = next((e.to.extension for e in calls if e.to.extension), None)
        facts.employee_extension = answered or (summary.to.extension if summary else None) or rung
        facts.to_extension = facts.employee_extension
    elif facts.direction == "outbound":
        caller = next((e for e in calls if e.from_.extension), None)
        facts.employee_extension = (summary.from_.extension if summary else None) or (
            caller.from_.extension
            if caller
            else next((e.to.extension for e in calls if e.to.extension), None)
        )
        facts.from_extension = facts.employee_extension
        facts.from_number = line
        facts.to_number = (summary.to.number if summary else None) or (
            caller.to.number
            if caller
            else next((e.from_.number for e in calls if e.from_.number), None)
        )
    elif facts.direction == "internal":
        first = summary or (min(calls, key=lambda e: (e.timestamp, e.seq)) if calls else None)
        if first is not None:
            facts.from_extension = first.from_.extension
            facts.to_extension = first.to.extension
        facts.employee_extension = facts.from_extension


def _unanswered_status(direction: str | None) -> str:
    # An unanswered inbound or internal call is one we missed; an outbound one failed.
    return "failed" if direction == "outbound" else "missed"


def _outcome(facts: CallFacts, events: _Events) -> None:
    """Status, times, talk seconds and the disconnect reason."""
    summary = events.summary
    if summary is not None:
        answered = summary.answered
        facts.is_final = True
        facts.status = "completed" if answered else _unanswered_status(facts.direction)
        facts.started_at = _time(summary.create_time)
        facts.answered_at = _time(summary.talk_time) if answered else None
        facts.ended_at = _time(summary.end_time)
        facts.talk_seconds = max(0, summary.end_time - summary.talk_time) if answered else 0
        facts.disconnect_reason = summary.disconnect_reason
        return
    failed = [r for r in events.results if not ResultCode.is_success(r.result)]
    calls = events.all_calls()
    if failed and not calls:
        facts.status, facts.is_final = "failed", True
        facts.disconnect_reason = failed[0].result
        return
    if not calls:
        return
    current = events.current()
    talk = events.talk_legs()
    facts.started_at = _time(min(e.timestamp for e in calls))
    facts.answered_at = _time(talk[0].timestamp) if talk else None
    ended = [e for e in current.values() if e.call_state is CallState.DISCONNECTED]
    reached_employee = any(e.location is Location.ABONENT for e in calls)
    if reached_employee and len(ended) == len(current):
        # Every leg is over, but the summary (the final word) has not come yet.
        end = max(e.timestamp for e in ended)
        facts.ended_at = _time(end)
        facts.status = "completed" if talk else _unanswered_status(facts.direction)
        facts.talk_seconds = max(0, end - talk[0].timestamp) if talk else 0
        last = max(ended, key=lambda e: (e.timestamp, e.seq))
        facts.disconnect_reason = last.disconnect_reason
    elif any(
        current[e.call_id].call_state in (CallState.CONNECTED, CallState.ON_HOLD) for e in talk
    ):
        facts.status = "in_progress"
    else:
        facts.status = "ringing"


def _recording(facts: CallFacts, events: _Events) -> None:
    too_short = {
        r.recording_id
        for r in events.recordings
        if r.recording_state is RecordingState.COMPLETED
        and r.completion_code == RECORDING_TOO_SHORT
    }
    ids = [a.recording_id for a in events.added] + [r.recording_id for r in events.recordings]
    facts.recording_id = next((i for i in ids if i not in too_short), None)


def _ringing(facts: CallFacts, events: _Events) -> None:
    if facts.is_final or facts.direction != "inbound":
        return
    facts.ringing_extensions = [
        e.to.extension
        for e in events.current().values()
        if e.call_state is CallState.APPEARED and e.location is Location.ABONENT and e.to.extension
    ]


def fold_mango(stored: Iterable[tuple[str, dict[str, Any]]]) -> CallFacts:
    """The facts of one call from its stored ``(kind, payload)`` events, in any order."""
    events = _Events.of(stored)
    facts = CallFacts(direction=_direction(events))
    facts.command_ids = {e.command_id for e in events.all_calls() if e.command_id} | {
        r.command_id for r in events.results
    }
    _parties(facts, events)
    _outcome(facts, events)
    _recording(facts, events)
    _ringing(facts, events)
    return facts
