"""Black and white number lists (``bwlists/*``, reference §4)."""

from __future__ import annotations

from typing import Literal

from switchboard_shared.mango.codec import MangoPayload

ListType = Literal["black", "white"]


class BwStateReply(MangoPayload, kw_only=True):
    """Reply of ``bwlists/state/``: which list is in force."""

    result: int
    active: ListType


# The two structs below always write every field: Mango's example shows "comment":"" and
# "numbers":[], and a reader may rely on them being present.
class BwListNumber(MangoPayload, kw_only=True, omit_defaults=False):
    """One entry of a list (``number`` may be a mask with ``*``, ``#`` and ranges)."""

    number_id: int
    number: str
    comment: str = ""
    number_type: Literal["tel", "sip"] = "tel"


class BwList(MangoPayload, kw_only=True, omit_defaults=False):
    """One list and whether numbers it does not name are let through."""

    allow_unknown_number: bool
    numbers: list[BwListNumber] = []


class BwNumbersData(MangoPayload, kw_only=True):
    """``data`` of ``bwlists/numbers/``."""

    active: ListType
    black: BwList
    white: BwList


class BwNumbersReply(MangoPayload, kw_only=True):
    """Reply of ``bwlists/numbers/``."""

    result: int
    data: BwNumbersData


class BwNumberAdd(MangoPayload, kw_only=True):
    """``bwlists/number/add/`` (the reply carries no ``number_id``: re-read the lists)."""

    list_type: ListType
    number: str
    comment: str | None = None
    number_type: Literal["tel", "sip"] = "tel"


class BwNumberDelete(MangoPayload, kw_only=True):
    """``bwlists/number/delete/``."""

    number_id: int
