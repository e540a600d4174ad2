"""Personal notifications (the incoming-call popup): published once the write committed.

Entity changes reach ``private-calls`` through the outbox relay; a popup is not a change of
a record but a moment, so it goes straight to the realtime publish API after commit, on the
employee's own ``private-user.{id}`` channel. It is best effort: a popup that cannot be
delivered within seconds is worthless, the call record itself is never lost.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import httpx
import msgspec

from switchboard_api.realtime.publisher import BatchEvent, Publisher, PublishError
from switchboard_api.settings import ApiSettings

log = logging.getLogger("switchboard_api.telephony.notify")

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


def personal_channel(user_id: uuid.UUID) -> str:
    """An employee's own channel."""
    return f"private-user.{user_id}"


async def publish_popup(settings: ApiSettings, user_id: uuid.UUID, popup: IncomingCall) -> None:
    """Send the popup to one employee (logged, never raised, on failure)."""
    event = BatchEvent(
        name=INCOMING_CALL,
        channel=personal_channel(user_id),
        data=msgspec.json.encode(popup).decode(),
    )
    timeout = httpx.Timeout(settings.realtime_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout) as http:
        publisher = Publisher(
            http,
            base_url=settings.realtime_api_url,
            app_id=settings.realtime_app_id,
            key=settings.realtime_key,
            secret=settings.realtime_secret.get_secret_value(),
        )
        for attempt in range(2):
            try:
                await publisher.publish_batch([event])
                return
            except PublishError as exc:
                log.warning("popup for user %s not delivered (try %d): %s", user_id, attempt, exc)
