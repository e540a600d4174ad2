"""What a provider's events say about one call, in provider-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class CallFacts:
    """The state of one call as folded from every event received for it so far.

    ``None`` means "not known (yet)": the stored call keeps what it has. ``is_final`` is
    set once the provider said the call is over for good (Mango's summary); a final call is
    never reopened by late events.
    """

    status: str = "ringing"
    is_final: bool = False
    direction: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    from_extension: str | None = None
    to_extension: str | None = None
    line_number: str | None = None
    employee_extension: str | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    talk_seconds: int | None = None
    disconnect_reason: int | None = None
    recording_id: str | None = None
    command_ids: set[str] = field(default_factory=set)
    ringing_extensions: list[str] = field(default_factory=list)
    """Employees whose phone is ringing right now (an incoming-call popup for each)."""

    @property
    def external_number(self) -> str | None:
        """The other party's number: the caller of an inbound call, the callee of an
        outbound one (internal calls have none)."""
        if self.direction == "inbound":
            return self.from_number
        if self.direction == "outbound":
            return self.to_number
        return None
