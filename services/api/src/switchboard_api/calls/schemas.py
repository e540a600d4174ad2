"""Call schemas: Call / CallCreate / CallUpdate, and the click-to-call request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Direction = Literal["inbound", "outbound", "internal"]
Status = Literal["ringing", "in_progress", "completed", "missed", "failed"]
RecordingStatus = Literal["none", "pending", "stored", "failed", "expired"]
"""``expired``: the recording was removed by retention (the call stays)."""
PhoneText = Annotated[str, Meta(min_length=1, max_length=32, description="Stored as E.164.")]
Extension = Annotated[str, Meta(pattern=r"^[0-9]{2,8}$", description="PBX extension.")]
Seconds = Annotated[int, Meta(ge=0, le=7 * 86_400)]
Summary = Annotated[str, Meta(max_length=2000, description="What the call was about.")]


class Call(RecordFields, kw_only=True):
    """A call: parties, company line, matched contact and employee, times, recording."""

    provider: str
    provider_call_id: str | None
    command_id: str | None
    direction: Direction
    status: Status
    is_final: bool
    from_number: str | None
    to_number: str | None
    from_extension: str | None
    to_extension: str | None
    line_number: str | None
    phone_line_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    employee_id: uuid.UUID | None
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: int | None
    disconnect_reason: int | None
    recording_status: RecordingStatus
    recording_size: int | None
    recording_content_type: str | None
    recording_duration: float | None
    summary: str | None
    outcome_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    """The contact's open deal the wrap-up linked the call to."""
    wrap_up_note_id: uuid.UUID | None
    follow_up_task_id: uuid.UUID | None
    wrapped_up_at: datetime | None


class CallCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A call logged by hand (calls from the PBX are created by its webhooks)."""

    direction: Direction
    status: Status = "completed"
    from_number: PhoneText | None = None
    to_number: PhoneText | None = None
    from_extension: Extension | None = None
    to_extension: Extension | None = None
    contact_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    talk_seconds: Seconds | None = None
    summary: Summary | None = None


class CallUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Corrections to a call: who it was with, who took it, what it was about (the facts
    the PBX reported stay as reported)."""

    contact_id: uuid.UUID | UnsetType | None = UNSET
    employee_id: uuid.UUID | UnsetType | None = UNSET
    summary: Summary | UnsetType | None = UNSET


class DialRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Click-to-call: the number to dial from the caller's own extension."""

    to_number: PhoneText
    line_number: Annotated[str, Meta(min_length=1, max_length=32)] | None = None


class FollowUp(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The follow-up task a wrap-up creates (assigned to whoever wraps up)."""

    title: Annotated[str, Meta(min_length=1, max_length=200)]
    due_at: datetime | None = None
    description: Annotated[str, Meta(max_length=10_000)] | None = None


class WrapUpRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """After an answered call: its outcome, a note and a follow-up task, all linked to the
    call, its contact and the contact's open deal."""

    outcome_id: uuid.UUID
    note: Annotated[str, Meta(min_length=1, max_length=10_000)] | None = None
    follow_up: FollowUp | None = None


class WrapUpPrompt(msgspec.Struct, kw_only=True):
    """An answered call waiting for its wrap-up: what the wrap-up dialog needs to open
    without another request (sent as ``call.wrap_up`` when the call ends, and listed by
    ``GET /api/v1/calls/awaiting-wrap-up``)."""

    call_id: uuid.UUID
    direction: str
    number: str | None
    talk_seconds: int | None
    ended_at: datetime | None
    contact_id: uuid.UUID | None
    contact_name: str | None
    deal_id: uuid.UUID | None
    deal_title: str | None


class WrapUpQueue(msgspec.Struct, kw_only=True):
    """The caller's answered calls still waiting for a wrap-up, the most recent first."""

    items: list[WrapUpPrompt]
