"""Turning stored provider events into the ``calls`` record, and what follows from it
(incoming-call popups, call-back tasks for missed calls, recording ingest)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from switchboard_api.calls.entity import CALLS
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.contacts.repository import live_contacts_with_phone
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.repository import LifecycleRepository, Row
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.phones import InvalidPhone, to_e164
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.settings import ApiSettings
from switchboard_api.tasks.entity import TASKS
from switchboard_api.telephony import repository as repo
from switchboard_api.telephony.call_followups import CallFollowUps
from switchboard_api.telephony.facts import CallFacts
from switchboard_api.telephony.mango_fold import fold_mango
from switchboard_api.telephony.notify import IncomingCall, PopupContact, publish_popup

log = logging.getLogger("switchboard_api.telephony.call_folding")

INGEST_JOB = "telephony_ingest_recording"
_COPIED = (
    "direction",
    "started_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "disconnect_reason",
    "recording_id",
    "from_extension",
    "to_extension",
)


def e164(number: str | None, region: str) -> str | None:
    """A provider's number (``79161234567``, ``+7...``, ``8...``) as E.164; None if it is
    not a phone number (a SIP URI, an empty string)."""
    if not number:
        return None
    digits = number.lstrip("+")
    candidates = [f"+{digits}"] if digits.isdigit() and len(digits) >= 11 else []
    for candidate in [*candidates, number]:
        try:
            return to_e164(candidate, region)
        except InvalidPhone:
            continue
    return None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One verified webhook, as the fold stores it."""

    kind: str
    dedupe_key: str
    entry_id: str | None
    command_id: str | None
    seq: int | None
    payload: dict[str, Any]
    recording_id: str | None = None
    rings_extension: str | None = None
    """The extension an ``Appeared`` leg event says is ringing, if any."""


class CallFolder:
    """Stores provider events and folds them into calls, in the request's transaction."""

    def __init__(self, resources: Resources, uow: UnitOfWork, provider: str) -> None:
        self.resources = resources
        self.settings = resources.settings
        self.uow = uow
        self.session = uow.session
        self.provider = provider
        cache = record_cache(resources)
        self.calls = RecordWriter(CALLS, uow, cache)
        self.followups = CallFollowUps(uow, RecordWriter(TASKS, uow, cache))

    async def receive(self, event: Incoming) -> None:
        """Store the event once and bring its call up to date (a repeat changes nothing)."""
        await self._lock(event)
        is_new = await repo.store_event(
            self.session,
            provider=self.provider,
            kind=event.kind,
            dedupe_key=event.dedupe_key,
            entry_id=event.entry_id,
            command_id=event.command_id,
            seq=event.seq,
            payload=event.payload,
        )
        if not is_new:
            return
        call = await self._locate(event.entry_id, event.command_id)
        entry_id = event.entry_id or (call["provider_call_id"] if call else None)
        if call is None and entry_id is None:
            return  # a command result for no call we know: kept, folded if one shows up
        commands = {event.command_id} if event.command_id else set()
        row, facts = await self.refold(call, entry_id, commands)
        if event.kind == "record_added" and event.recording_id:
            await self._recording_added(row, event.recording_id)
        if event.rings_extension and event.rings_extension in facts.ringing_extensions:
            await self._popup(row, event.rings_extension)

    async def receive_missing(self, event: Incoming) -> bool:
        """A call only the provider's history reports: folded from ``event`` (its summary)
        unless we have the call by now, which is then left as it is. Whether it was new."""
        await self._lock(event)
        if await self._locate(event.entry_id, None) is not None:
            return False
        await self.receive(event)
        call = await self._locate(event.entry_id, None)
        if call is not None and event.recording_id and call["recording_id"] is None:
            call = await self.calls.update(call, {"recording_id": event.recording_id})
            await self._recording_added(call, event.recording_id)
        return True

    async def _lock(self, event: Incoming) -> None:
        keys = {f"e:{event.entry_id}"} if event.entry_id else set()
        if event.command_id:
            # A result names only its command: lock the entry it already has, if any.
            keys.add(f"c:{event.command_id}")
            linked = await repo.entries_of_command(self.session, self.provider, event.command_id)
            keys |= {f"e:{entry}" for entry in linked}
        await repo.lock_calls(self.session, self.provider, keys)

    async def _locate(self, entry_id: str | None, command_id: str | None) -> Row | None:
        by_entry = by_command = None
        if entry_id is not None:
            by_entry = await repo.call_by(self.session, self.provider, provider_call_id=entry_id)
        if command_id is not None:
            by_command = await repo.call_by(self.session, self.provider, command_id=command_id)
        if by_entry is not None and by_command is not None and by_entry["id"] != by_command["id"]:
            return await self._merge(by_entry, by_command)
        return by_command or by_entry

    async def _merge(self, by_entry: Row, by_command: Row) -> Row:
        """A click-to-call whose entry was first seen in an event without its command id
        (Mango's summary carries none) got a record of its own: the click-to-call's record
        takes the entry over, the stray one goes to the trash."""
        if by_entry["deleted_at"] is None:
            await self.calls.trash(by_entry, {"provider_call_id": None})
        else:
            await self.calls.update(by_entry, {"provider_call_id": None})
        log.info("call %s merged into click-to-call %s", by_entry["id"], by_command["id"])
        return by_command

    async def refold(
        self, call: Row | None, entry_id: str | None, command_ids: Collection[str] = ()
    ) -> tuple[Row, CallFacts]:
        """Recompute the call from all its stored events and save what changed."""
        stored = await repo.entry_events(self.session, self.provider, entry_id)
        commands = set(command_ids) | {
            str(payload["command_id"]) for _, payload in stored if payload.get("command_id")
        }
        if call is not None and call["command_id"]:
            commands.add(call["command_id"])
        if commands:  # a click-to-call: its command's result belongs to the call too
            stored += await repo.command_results(self.session, self.provider, commands)
        facts = fold_mango(stored)
        values = await self._values(facts, call)
        if entry_id is not None:
            values["provider_call_id"] = entry_id
        if (call is None or call["command_id"] is None) and facts.command_ids:
            values["command_id"] = sorted(facts.command_ids)[0]
        if call is None:
            values.setdefault("direction", "inbound")
            row = (await self.calls.insert({"provider": self.provider, **values})).row
        else:
            row = await self.calls.update(call, values)
        await self._follow_up(call, row)
        return row, facts

    async def _follow_up(self, before: Row | None, row: Row) -> None:
        """The missed-call loop and the wrap-up prompt, each once per call."""
        became_final = row["is_final"] and not (before and before["is_final"])
        became_answered = row["answered_at"] is not None and (
            before is None or before["answered_at"] is None
        )
        if became_answered:
            await self.followups.close_call_backs(row)
        if became_final and row["status"] == "missed":
            await self.followups.call_back(row)
        if became_final and row["status"] == "completed" and row["answered_at"] is not None:
            await self.followups.prompt_wrap_up(row)

    async def _values(self, facts: CallFacts, current: Row | None) -> dict[str, Any]:
        region = self.settings.default_phone_region
        values: dict[str, Any] = {}
        if not (current and current["is_final"] and not facts.is_final):  # never reopen
            values.update(status=facts.status, is_final=facts.is_final)
        values.update({k: getattr(facts, k) for k in _COPIED if getattr(facts, k) is not None})
        for name in ("from_number", "to_number", "line_number"):
            number = e164(getattr(facts, name), region)
            if number is not None:
                values[name] = number
        if values.get("line_number"):
            line_id = await repo.line_by_number(self.session, values["line_number"])
            if line_id is not None:
                values["phone_line_id"] = line_id
        if facts.employee_extension:
            user = await repo.user_by_extension(self.session, facts.employee_extension)
            if user is not None:
                values["employee_id"] = user["id"]
        external = e164(facts.external_number, region)
        if external and (current is None or current["contact_id"] is None):
            contacts = await live_contacts_with_phone(self.session, external)
            if contacts:
                values["contact_id"] = contacts[0]["id"]
        return values

    async def _recording_added(self, call: Row, recording_id: str) -> None:
        if call["recording_status"] in ("none", "failed"):
            await self.calls.update(call, {"recording_status": "pending"})
        schedule_ingest(self.uow, self.provider, recording_id)

    async def _popup(self, call: Row, extension: str) -> None:
        if call["is_final"] or call["status"] != "ringing" or call["direction"] != "inbound":
            return
        user = await repo.user_by_extension(self.session, extension)
        if user is None:
            return
        contact = None
        if call["contact_id"] is not None:
            contact = await self._contact(call["contact_id"])
        popup = IncomingCall(
            call_id=call["id"],
            from_number=call["from_number"],
            line_number=call["line_number"],
            started_at=call["started_at"],
            contact=contact,
        )
        publish_popup(self.uow, user["id"], popup)

    async def _contact(self, contact_id: uuid.UUID) -> PopupContact | None:
        row = await LifecycleRepository(self.session, CONTACTS).get(contact_id)
        if row is None:
            return None
        return PopupContact(id=row["id"], name=row["name"], company=row["company"])


def ingest_options(provider: str, recording_id: str, settings: ApiSettings) -> dict[str, Any]:
    """The ingest job of one recording: its key (once per recording id at a time), retries
    and arguments, for :meth:`UnitOfWork.enqueue` or :func:`enqueue`."""
    return {
        "key": f"recording:{provider}:{recording_id}",
        "retries": settings.telephony_recording_attempts,
        "retry_delay": settings.telephony_recording_retry_seconds,
        "job_timeout": 900,
        "provider": provider,
        "recording_id": recording_id,
    }


def schedule_ingest(uow: UnitOfWork, provider: str, recording_id: str) -> None:
    """Enqueue the ingest of one recording once the transaction commits."""
    uow.enqueue(INGEST_JOB, **ingest_options(provider, recording_id, uow.resources.settings))
