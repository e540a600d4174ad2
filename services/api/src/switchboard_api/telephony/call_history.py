"""Lost webhooks: the calls of a period reconciled with the provider's call history.

A call the webhooks never delivered is created through the same fold and writer as a
delivered one, from its history line read as the call's final summary (so a missed call
from a contact still gets its call-back task). A call we already have is left exactly as
it is; running the same period again changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import msgspec

from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import read_session, unit_of_work
from switchboard_api.telephony import followups_repository as repo
from switchboard_api.telephony.call_folding import CallFolder, Incoming
from switchboard_api.telephony.provider_interface import HistoryCall, TelephonyProvider
from switchboard_shared.mango import CallDirection

log = logging.getLogger("switchboard_api.telephony.call_history")


class HistoryReport(msgspec.Struct, kw_only=True):
    """What a reconciliation found: the calls the provider reported, those it created (the
    webhooks never delivered them) and those already here."""

    date_from: datetime
    date_to: datetime
    reported: int
    created: int
    existing: int


def _direction(call: HistoryCall) -> CallDirection:
    if call.from_extension and call.to_extension and not call.line_number:
        return CallDirection.INTERNAL
    return CallDirection.OUTBOUND if call.from_extension else CallDirection.INBOUND


def _party(extension: str | None, number: str | None) -> dict[str, str]:
    party = {"extension": extension, "number": number}
    return {k: v for k, v in party.items() if v}


def as_summary(call: HistoryCall) -> dict[str, object]:
    """A history line as the ``/events/summary`` it stands for (the fold's final word)."""
    answered = call.answered_at > 0
    return {
        "entry_id": call.entry_id,
        "call_direction": int(_direction(call)),
        "from": _party(call.from_extension, call.from_number),
        "to": _party(call.to_extension, call.to_number),
        **({"line_number": call.line_number} if call.line_number else {}),
        "create_time": call.started_at,
        "forward_time": call.answered_at,
        "talk_time": call.answered_at,
        "end_time": max(call.ended_at, call.started_at),
        "entry_result": 1 if answered else 0,
        "disconnect_reason": call.disconnect_reason,
    }


async def reconcile_calls(
    resources: Resources, provider: TelephonyProvider, date_from: datetime, date_to: datetime
) -> HistoryReport:
    """Create the calls of the period the webhooks never delivered (one transaction each)."""
    history = await provider.call_history(int(date_from.timestamp()), int(date_to.timestamp()))
    async with read_session(resources.sessionmaker) as session:
        known = await repo.known_entries(session, provider.name, {c.entry_id for c in history})
    created = 0
    for call in history:
        if call.entry_id in known:
            continue
        event = Incoming(
            kind="summary",
            dedupe_key=f"history:{call.entry_id}",
            entry_id=call.entry_id,
            command_id=None,
            seq=None,
            payload=as_summary(call),
            recording_id=call.recording_id if call.answered_at > 0 else None,
        )
        async with unit_of_work(resources) as uow:
            if await CallFolder(resources, uow, provider.name).receive_missing(event):
                created += 1
        known.add(call.entry_id)
    report = HistoryReport(
        date_from=date_from,
        date_to=date_to,
        reported=len(history),
        created=created,
        existing=len(history) - created,
    )
    log.info("call history reconciled: %s", report)
    return report


def last_days(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The period a nightly run covers: the last ``days`` days up to now."""
    end = now or datetime.now(UTC)
    return end - timedelta(days=days), end
