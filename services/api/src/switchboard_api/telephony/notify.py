"""Personal notifications (the incoming-call popup): published once the write committed.

Entity changes reach ``private-calls`` through the outbox relay; a popup is not a change of
a record but a moment, so it goes straight to the realtime publish API after commit, on the
employee's personal channel. It is best effort: a popup that cannot be
delivered within seconds is worthless, the call record itself is never lost.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.realtime.channels import personal_channel

INCOMING_CALL = "call.incoming"


class PopupContact(msgspec.Struct, kw_only=True):
    """The contact the caller's number matched."""

    id: uuid.UUID
    name: str
    company: str | None


class IncomingCall(msgspec.Struct, kw_only=True):
    """The popup an employee's browser shows while their phone rings."""

    call_id: uuid.UUID
    from_number: str | None
    line_number: str | None
    started_at: datetime | None
    contact: PopupContact | None


def publish_popup(uow: UnitOfWork, user_id: uuid.UUID, popup: IncomingCall) -> None:
    """Send the popup to one employee once the transaction commits (best effort)."""
    uow.publish(personal_channel(user_id), INCOMING_CALL, msgspec.json.encode(popup).decode())
