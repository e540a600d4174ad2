"""Commands and queries we send to the PBX that are not configuration (reference §4)."""

from __future__ import annotations

from typing import Literal

import msgspec

from switchboard_shared.mango.codec import MangoPayload


class CallbackFrom(MangoPayload, kw_only=True):
    """The employee a click-to-call rings first (``number``: a device instead of default)."""

    extension: str
    number: str | None = None


class CallbackCommand(MangoPayload, kw_only=True):
    """``commands/callback``: ring the employee, then dial ``to_number``."""

    command_id: str
    from_: CallbackFrom = msgspec.field(name="from")
    to_number: str
    line_number: str | None = None
    sip_headers: dict[str, str] | None = None


class RecordingLinkQuery(MangoPayload, kw_only=True):
    """``queries/recording/post``: answered with a 302 to a one-time download link."""

    recording_id: str
    action: Literal["download", "play"]


class ResultReply(MangoPayload, kw_only=True):
    """The plain synchronous reply ``{"result": 1000}``."""

    result: int
