"""Turn a :class:`CallScript` into the webhooks Mango would send, in the reference's §6 order.

Pure: no I/O, no clock. Ids and the start time come in, a :class:`Timeline` goes out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from switchboard_pbxsim.script import CallScript
from switchboard_shared.mango import (
    CallDirection,
    CallEvent,
    CallParty,
    CallState,
    Location,
    MangoPayload,
    RecordAddedEvent,
    RecordingEvent,
    RecordingState,
    ResultCode,
    SummaryEvent,
)

IVR_SECONDS = 6.0
CALLBACK_RING_SECONDS = 3.0  # click-to-call: the PBX rings the employee first
CALLBACK_HANDOVER_SECONDS = 4.0
BUSY_SECONDS = 1.0
RECORD_ADDED_AFTER = 2.0

_REASON_ANSWERED = {
    "inbound": ResultCode.ENDED_BY_CALLER,
    "outbound": ResultCode.ENDED_BY_CALLEE,
    "internal": ResultCode.ENDED_BY_CALLER,
}


@dataclass(frozen=True)
class Party:
    """An employee as the PBX shows it: extension, device number, Mango user id."""

    extension: str
    device: str
    user_id: int


@dataclass(frozen=True)
class Ids:
    """Opaque ids of one call, chosen by the caller of :func:`build_timeline`."""

    entry_id: str
    call_ids: tuple[str, str]
    recording_id: str


@dataclass(frozen=True)
class Planned:
    """One webhook of the timeline: where it goes and what it says."""

    path: str
    payload: MangoPayload


@dataclass
class Timeline:
    """All webhooks of one call in realistic order, plus what tests assert on."""

    webhooks: list[Planned] = field(default_factory=list)
    entry_id: str = ""
    call_ids: list[str] = field(default_factory=list)
    recording_id: str | None = None
    recording_seconds: float | None = None
    recorded_extension: str | None = None


def call_length(script: CallScript) -> float:
    """Seconds from the first event to the end of the call."""
    start = CALLBACK_HANDOVER_SECONDS if _is_callback(script) else 0.0
    if script.direction == "inbound" and script.ivr:
        start += IVR_SECONDS
    if script.outcome == "busy":
        return start + BUSY_SECONDS
    if script.outcome == "missed":
        return start + script.ring_seconds
    return start + script.ring_seconds + script.talk_seconds


def _is_callback(script: CallScript) -> bool:
    return script.direction == "outbound" and script.command_id is not None


class _Leg:
    """One leg (``call_id``) whose events carry a growing ``seq``."""

    def __init__(self, timeline: Timeline, call_id: str, entry_id: str, **fixed: object) -> None:
        self.timeline, self.call_id, self.entry_id, self.fixed = timeline, call_id, entry_id, fixed
        self.seq = 0
        timeline.call_ids.append(call_id)

    def emit(self, state: CallState, timestamp: int, reason: int | None = None) -> None:
        self.seq += 1
        event = CallEvent(
            entry_id=self.entry_id, call_id=self.call_id, timestamp=timestamp, seq=self.seq,
            call_state=state, disconnect_reason=reason, **self.fixed,  # type: ignore[arg-type]
        )  # fmt: skip
        self.timeline.webhooks.append(Planned("/events/call", event))


class _Builder:
    """Accumulates one call's webhooks; each ``direction`` has a method below."""

    def __init__(
        self, script: CallScript, ids: Ids, t0: int, line: str | None, product_id: int
    ) -> None:
        self.script, self.ids, self.t0, self.line = script, ids, t0, line
        self.product_id = product_id
        self.timeline = Timeline(entry_id=ids.entry_id)

    def ts(self, offset: float) -> int:
        return self.t0 + math.floor(offset)

    def leg(self, index: int, location: Location, from_: CallParty, to: CallParty) -> _Leg:
        return _Leg(
            self.timeline, self.ids.call_ids[index], self.ids.entry_id, location=location,
            from_=from_, to=to, command_id=self.script.command_id,
        )  # fmt: skip

    def talk_or_end(self, leg: _Leg, appeared_at: float, party: Party) -> tuple[int, int, int]:
        """Appeared, then Connected+recording+Disconnected or the unanswered end.

        Returns ``(talk_time, end_time, disconnect_reason)`` for the summary."""
        script = self.script
        leg.emit(CallState.APPEARED, self.ts(appeared_at))
        if script.outcome == "busy":
            end = self.ts(appeared_at + BUSY_SECONDS)
            leg.emit(CallState.DISCONNECTED, end, ResultCode.CALLEE_BUSY)
            return 0, end, ResultCode.CALLEE_BUSY
        if script.outcome == "missed":
            end = self.ts(appeared_at + script.ring_seconds)
            reason = (
                ResultCode.ENDED_BY_CALLER
                if script.direction == "inbound"
                else (ResultCode.NOT_ANSWERED_IN_TIME)
            )
            leg.emit(CallState.DISCONNECTED, end, reason)
            return 0, end, reason
        connected = appeared_at + script.ring_seconds
        leg.emit(CallState.CONNECTED, self.ts(connected))
        if script.record:
            self.recording(RecordingState.STARTED, 1, leg.call_id, party, self.ts(connected))
        end = self.ts(connected + script.talk_seconds)
        reason = _REASON_ANSWERED[script.direction]
        leg.emit(CallState.DISCONNECTED, end, reason)
        if script.record:
            self.recording(RecordingState.COMPLETED, 2, leg.call_id, party, end)
            self.timeline.recording_seconds = script.talk_seconds
        return self.ts(connected), end, reason

    def recording(
        self, state: RecordingState, seq: int, call_id: str, party: Party, at: int
    ) -> None:
        completed = state is RecordingState.COMPLETED
        event = RecordingEvent(
            recording_id=self.ids.recording_id, recording_state=state, seq=seq,
            entry_id=self.ids.entry_id, call_id=call_id, extension=party.extension,
            timestamp=at, completion_code=ResultCode.SUCCESS if completed else None,
            recipient="Cloud" if completed else None, command_id=self.script.command_id,
        )  # fmt: skip
        self.timeline.webhooks.append(Planned("/events/recording", event))
        self.timeline.recording_id = self.ids.recording_id
        self.timeline.recorded_extension = party.extension

    def summary(self, direction: CallDirection, from_: CallParty, to: CallParty, *,
                forward: int, talk: int, end: int, reason: int) -> None:  # fmt: skip
        event = SummaryEvent(
            entry_id=self.ids.entry_id, call_direction=direction, from_=from_, to=to,
            line_number=self.line if direction != CallDirection.INTERNAL else None,
            create_time=self.t0, forward_time=forward, talk_time=talk, end_time=end,
            entry_result=1 if talk else 0, disconnect_reason=reason,
        )  # fmt: skip
        self.timeline.webhooks.append(Planned("/events/summary", event))

    def record_added(self, party: Party, end: int) -> None:
        if self.timeline.recording_id is None:
            return
        event = RecordAddedEvent(
            entry_id=self.ids.entry_id, product_id=self.product_id, user_id=party.user_id,
            timestamp=end + math.ceil(RECORD_ADDED_AFTER), recording_id=self.ids.recording_id,
        )  # fmt: skip
        self.timeline.webhooks.append(Planned("/events/record/added", event))

    # scenarios
    def inbound(self, employee: Party) -> None:
        caller = self.script.number
        start, taken_from = 0.0, None
        if self.script.ivr:
            ivr = self.leg(0, Location.IVR, CallParty(number=caller),
                           CallParty(number=self.line, line_number=self.line))  # fmt: skip
            ivr.emit(CallState.APPEARED, self.ts(0))
            ivr.emit(CallState.DISCONNECTED, self.ts(IVR_SECONDS), ResultCode.CALL_ENDED_NORMALLY)
            start, taken_from = IVR_SECONDS, ivr.call_id
        to = CallParty(extension=employee.extension, number=employee.device, line_number=self.line)
        leg = self.leg(1 if self.script.ivr else 0, Location.ABONENT,
                       CallParty(number=caller, taken_from_call_id=taken_from), to)  # fmt: skip
        talk, end, reason = self.talk_or_end(leg, start, employee)
        self.summary(
            CallDirection.INBOUND, CallParty(number=caller),
            CallParty(extension=employee.extension, number=employee.device),
            forward=self.ts(start) if talk else 0, talk=talk, end=end, reason=reason,
        )  # fmt: skip
        self.record_added(employee, end)

    def outbound(self, employee: Party) -> None:
        client = self.script.number
        me = CallParty(extension=employee.extension, number=employee.device)
        start, index, taken_from = 0.0, 0, None
        if _is_callback(self.script):
            ring_me = self.leg(0, Location.ABONENT, CallParty(number=client), me)
            ring_me.emit(CallState.APPEARED, self.ts(0))
            ring_me.emit(CallState.CONNECTED, self.ts(CALLBACK_RING_SECONDS))
            ring_me.emit(CallState.DISCONNECTED, self.ts(CALLBACK_HANDOVER_SECONDS),
                         ResultCode.SUCCESS)  # fmt: skip
            start, index, taken_from = CALLBACK_HANDOVER_SECONDS, 1, ring_me.call_id
        from_ = CallParty(extension=employee.extension, number=employee.device,
                          taken_from_call_id=taken_from)  # fmt: skip
        to = CallParty(number=client, line_number=None if taken_from else self.line)
        leg = self.leg(index, Location.ABONENT, from_, to)
        talk, end, reason = self.talk_or_end(leg, start, employee)
        self.summary(CallDirection.OUTBOUND, me, CallParty(number=client), forward=self.t0,
                     talk=talk, end=end, reason=reason)  # fmt: skip
        self.record_added(employee, end)

    def internal(self, caller: Party, callee: Party) -> None:
        me = CallParty(extension=caller.extension, number=caller.device)
        them = CallParty(extension=callee.extension, number=callee.device)
        leg = self.leg(0, Location.ABONENT, me, them)
        talk, end, reason = self.talk_or_end(leg, 0.0, caller)
        self.summary(CallDirection.INTERNAL, me, them, forward=self.t0, talk=talk, end=end,
                     reason=reason)  # fmt: skip
        self.record_added(caller, end)


def build_timeline(
    script: CallScript,
    *,
    ids: Ids,
    t0: int,
    line: str | None,
    party: Callable[[str], Party],
    product_id: int,
) -> Timeline:
    """All webhooks of ``script`` with timestamps from ``t0``; ``party`` resolves extensions."""
    builder = _Builder(script, ids, t0, line, product_id)
    if script.direction == "inbound":
        builder.inbound(party(script.extension))
    elif script.direction == "outbound":
        builder.outbound(party(script.extension))
    else:
        builder.internal(party(script.extension), party(script.to_extension))
    return builder.timeline
