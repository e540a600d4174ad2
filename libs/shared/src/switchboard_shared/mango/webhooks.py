"""Webhooks the PBX posts to us (reference §3). Field order is the wire order we emit."""

from __future__ import annotations

from enum import IntEnum, StrEnum

import msgspec

from switchboard_shared.mango.codec import MangoPayload


class CallState(StrEnum):
    """State of one leg in ``/events/call``."""

    APPEARED = "Appeared"
    CONNECTED = "Connected"
    ON_HOLD = "OnHold"
    DISCONNECTED = "Disconnected"


class Location(StrEnum):
    """Where a leg is: the IVR, a group queue or an employee."""

    IVR = "ivr"
    QUEUE = "queue"
    ABONENT = "abonent"


class RecordingState(StrEnum):
    """State of a recording in ``/events/recording``."""

    STARTED = "Started"
    CONTINUED = "Continued"
    COMPLETED = "Completed"


class CallDirection(IntEnum):
    """``call_direction`` of ``/events/summary``."""

    INTERNAL = 0
    INBOUND = 1
    OUTBOUND = 2


class CallParty(MangoPayload, kw_only=True):
    """``from`` or ``to`` of a call event or summary; every field is optional."""

    extension: str | None = None
    number: str | None = None
    line_number: str | None = None
    acd_group: str | None = None
    taken_from_call_id: str | None = None
    was_transferred: bool | None = None
    hold_initiator: bool | None = None


class CallEvent(MangoPayload, kw_only=True):
    """``/events/call``: one state change of one leg; order legs by ``(call_id, seq)``."""

    entry_id: str
    call_id: str
    timestamp: int
    seq: int
    call_state: CallState
    location: Location
    from_: CallParty = msgspec.field(name="from")
    to: CallParty
    disconnect_reason: int | None = None
    command_id: str | None = None
    task_id: str | None = None
    callback_initiator: str | None = None
    transfer: str | None = None
    sip_call_id: str | None = None


class SummaryEvent(MangoPayload, kw_only=True):
    """``/events/summary``: the one final record of a call group (``entry_id``)."""

    entry_id: str
    call_direction: CallDirection
    from_: CallParty = msgspec.field(name="from")
    to: CallParty
    line_number: str | None = None
    create_time: int
    forward_time: int
    talk_time: int
    end_time: int
    entry_result: int
    disconnect_reason: int
    sip_call_id: str | None = None

    @property
    def answered(self) -> bool:
        """Whether talk happened (``talk_time`` breaks the doc's ``entry_result`` tie)."""
        return self.entry_result == 1 and self.talk_time > 0


class RecordingEvent(MangoPayload, kw_only=True):
    """``/events/recording``: a recording started, moved to another leg or completed."""

    recording_id: str
    recording_state: RecordingState
    seq: int
    entry_id: str
    call_id: str
    extension: str | None = None
    timestamp: int
    completion_code: int | None = None
    recipient: str | None = None
    command_id: str | None = None


class RecordAddedEvent(MangoPayload, kw_only=True):
    """``/events/record/added``: the file is stored in the cloud and downloadable."""

    entry_id: str
    product_id: int
    user_id: int
    timestamp: int
    recording_id: str


class CommandResult(MangoPayload, kw_only=True):
    """``/result/*`` (e.g. ``/result/callback``): the outcome of one of our commands."""

    command_id: str
    result: int


WEBHOOK_PATHS: dict[type[MangoPayload], str] = {
    CallEvent: "/events/call",
    SummaryEvent: "/events/summary",
    RecordingEvent: "/events/recording",
    RecordAddedEvent: "/events/record/added",
}
"""Where each event is posted, relative to our webhook base URL."""
