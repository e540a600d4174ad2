"""Play scripted calls: build the timeline, register the recording, deliver the webhooks."""

from __future__ import annotations

import asyncio
import base64
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec

from switchboard_pbxsim.delivery import Delivery, WebhookSender, schedule
from switchboard_pbxsim.directory import Directory
from switchboard_pbxsim.recordings import Recording, RecordingStore
from switchboard_pbxsim.scenarios import (
    Ids,
    Party,
    Planned,
    Timeline,
    build_timeline,
    call_length,
)
from switchboard_pbxsim.script import CallScript, DeliveryPlan
from switchboard_pbxsim.settings import PbxSimSettings
from switchboard_shared.mango import CallbackCommand, CommandResult, ResultCode, SummaryEvent


def _hold_record_added(
    plan: DeliveryPlan, lead: list[Planned], timeline: Timeline, seconds: float
) -> DeliveryPlan:
    """A plan that sends ``/events/record/added`` only once the file can be fetched."""
    delays = dict(plan.delays)
    for index, planned in enumerate(lead + timeline.webhooks):
        if planned.path == "/events/record/added":
            delays[index] = max(delays.get(index, 0.0), seconds)
    return msgspec.structs.replace(plan, delays=delays)


def _opaque(text: str) -> str:
    """Mango ids are opaque base64 strings, e.g. ``NTAwOTQxMTAyMg==``."""
    return base64.b64encode(text.encode()).decode()


@dataclass
class CallRun:
    """One scripted call being (or having been) delivered."""

    id: str
    script: CallScript
    entry_id: str
    call_ids: list[str]
    recording_id: str | None
    recording_seconds: float | None
    recording_ready_at: float | None
    deliveries: list[Delivery]
    final: SummaryEvent | None = None
    """The call as the PBX's history reports it (None: it never became a call)."""
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def summary(self) -> dict[str, Any]:
        """The run as the control API shows it."""
        return {
            "id": self.id,
            "status": "done" if self.done.is_set() else "running",
            "direction": self.script.direction,
            "outcome": self.script.outcome,
            "command_id": self.script.command_id,
            "entry_id": self.entry_id,
            "call_ids": self.call_ids,
            "recording_id": self.recording_id,
            "recording_seconds": self.recording_seconds,
            "recording_ready_at": self.recording_ready_at,
            "webhooks": [
                {"index": d.index, "path": d.path, "json": d.json, "status": d.status,
                 "error": d.error}
                for d in self.deliveries
            ],
        }  # fmt: skip


class CallPlayer:
    """Starts scripted calls and keeps their runs for the control API."""

    def __init__(
        self,
        settings: PbxSimSettings,
        directory: Directory,
        recordings: RecordingStore,
        sender: WebhookSender,
    ) -> None:
        self.settings, self.directory, self.recordings = settings, directory, recordings
        self.sender = sender
        self.runs: dict[str, CallRun] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def party(self, extension: str) -> Party:
        """An extension as the PBX shows it; unknown extensions still get a device."""
        member = self.directory.by_extension(extension)
        if member is None:
            return Party(extension, self.directory.default_device(extension), -1)
        return Party(extension, member.device, member.user_id)

    def _ids(self) -> Ids:
        entry = str(5_000_000_000 + secrets.randbelow(4_999_999_999))
        legs = tuple(_opaque(f"{leg}:{entry}:{secrets.token_hex(4)}") for leg in (1, 2))
        recording = _opaque(f"1:{self.settings.product_id}:{entry}:{secrets.randbelow(99) + 1}")
        return Ids(_opaque(entry), (legs[0], legs[1]), recording)

    def start(self, script: CallScript, lead: list[Planned] | None = None) -> CallRun:
        """Plan ``script`` and deliver its webhooks in the background."""
        now = time.time()
        t0 = script.started_at or int(now) - math.ceil(call_length(script))
        line = script.line_number or self.directory.first_line()
        timeline = build_timeline(
            script, ids=self._ids(), t0=t0, line=line, party=self.party,
            product_id=self.settings.product_id,
        )  # fmt: skip
        ready_at = None
        if timeline.recording_id is not None and timeline.recording_seconds is not None:
            delay = script.recording_ready_delay
            ready_at = now + (self.settings.recording_ready_delay if delay is None else delay)
            self.recordings.add(
                Recording(timeline.recording_id, timeline.recording_seconds, ready_at)
            )
        plan = script.delivery
        if script.record_added_when_ready and ready_at is not None:
            plan = _hold_record_added(plan, lead or [], timeline, ready_at - now)
        return self._launch(script, timeline, (lead or []) + timeline.webhooks, plan, ready_at)

    def _launch(
        self,
        script: CallScript,
        timeline: Timeline,
        webhooks: list[Planned],
        plan: DeliveryPlan,
        ready_at: float | None,
    ) -> CallRun:
        """Register a run and deliver its webhooks in the background."""
        gap = self.settings.webhook_gap if plan.gap is None else plan.gap
        run = CallRun(
            id=secrets.token_hex(8), script=script, entry_id=timeline.entry_id,
            call_ids=timeline.call_ids, recording_id=timeline.recording_id,
            recording_seconds=timeline.recording_seconds, recording_ready_at=ready_at,
            deliveries=[] if plan.lost else schedule(webhooks, plan, gap),
            final=next((w.payload for w in timeline.webhooks
                          if isinstance(w.payload, SummaryEvent)), None),
        )  # fmt: skip
        self.runs[run.id] = run
        self._spawn(self._deliver(run))
        return run

    async def _deliver(self, run: CallRun) -> None:
        try:
            await self.sender.deliver(run.deliveries)
        finally:
            run.done.set()

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def click_to_call(self, command: CallbackCommand) -> CallRun:
        """``commands/callback``: post ``/result/callback`` and play the outbound call.

        An extension the PBX does not know fails later, as Mango does: result 3100."""
        member = self.directory.by_extension(command.from_.extension)
        code = ResultCode.SUCCESS if member is not None else ResultCode.BAD_PARAMETERS
        result = Planned("/result/callback", CommandResult(command_id=command.command_id,
                                                           result=code))  # fmt: skip
        script = CallScript(
            direction="outbound",
            outcome="answered" if self.settings.callback_answer else "missed",
            extension=command.from_.extension, number=command.to_number,
            line_number=command.line_number or (member and member.outgoingline) or None,
            talk_seconds=self.settings.callback_talk_seconds,
            record=self.settings.callback_record, command_id=command.command_id,
        )  # fmt: skip
        if member is None:
            return self._launch(script, Timeline(), [result], script.delivery, None)
        return self.start(script, lead=[result])

    async def close(self) -> None:
        """Stop deliveries still in flight (server shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
