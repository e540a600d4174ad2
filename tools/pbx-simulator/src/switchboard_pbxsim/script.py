"""The control API's description of one scripted call (the body of ``POST /control/calls``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Seconds = Annotated[float, msgspec.Meta(ge=0, le=86_400)]
Direction = Literal["inbound", "outbound", "internal"]
Outcome = Literal["answered", "missed", "busy"]
Order = Literal["realistic", "reversed", "shuffled"]


class DeliveryPlan(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How the webhooks of a call reach the receiver."""

    order: Order = "realistic"
    """``realistic`` (§6 order), ``reversed`` or ``shuffled`` (never left in order)."""
    duplicates: Annotated[int, msgspec.Meta(ge=0, le=5)] = 0
    """Extra passes of the whole sequence sent after the first one."""
    gap: Seconds | None = None
    """Seconds between two webhooks; default: the ``webhook_gap`` setting."""
    delays: dict[int, Seconds] = {}
    """Extra seconds before webhook N (0-based index in realistic order): it arrives late."""
    seed: int | None = None
    """Seed of the ``shuffled`` order, for a reproducible run."""
    lost: bool = False
    """Deliver none of the webhooks (they were lost): the call is only in the call history."""


class CallScript(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One call to play: who calls whom, how it ends and how its webhooks are delivered."""

    direction: Direction = "inbound"
    outcome: Outcome = "answered"
    extension: str = "101"
    """The employee: who rings (inbound), who calls (outbound, internal)."""
    to_extension: str = "102"
    """Internal calls only: the employee called."""
    number: str = "79161234567"
    """The external party: caller (inbound) or called number (outbound)."""
    line_number: str | None = None
    """The company line; default: the first line of the PBX."""
    ivr: bool = False
    """Inbound: the call passes an IVR leg before it reaches the employee."""
    record: bool = True
    """Record the conversation (answered calls only)."""
    talk_seconds: Seconds = 30.0
    ring_seconds: Seconds = 6.0
    command_id: str | None = None
    """Outbound: the click-to-call command that made the call (two legs, §6 C)."""
    recording_ready_delay: Seconds | None = None
    """Seconds the recording link says 'not ready'; default: the setting."""
    record_added_when_ready: bool = False
    """Hold ``/events/record/added`` until the file can be fetched (default: send it at
    once, as Mango may under load, so the link still says 'not ready' for a while)."""
    started_at: int | None = None
    """Unix time of the first event; default: so that the call ends now."""
    delivery: DeliveryPlan = msgspec.field(default_factory=DeliveryPlan)
