"""Opaque keyset cursors: the sort key and id of the last row of a page, base64url JSON."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

import msgspec

from switchboard_api.errors import BadRequest, FieldError


class _Cursor(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    sort: str
    value: Any
    id: uuid.UUID


def encode_cursor(sort: str, value: Any, record_id: uuid.UUID) -> str:
    """The cursor that continues after the row with this sort value and id."""
    raw = msgspec.json.encode(_Cursor(sort=sort, value=value, id=record_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad(message: str) -> BadRequest:
    return BadRequest(
        "The cursor is not valid",
        errors=[FieldError(field="cursor", message=message, source="query")],
    )


def decode_cursor(cursor: str, sort: str, value_type: type[Any]) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor continues after; 400 naming ``cursor`` if it is not one
    of ours or was made for another sort order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parsed = msgspec.json.decode(raw, type=_Cursor)
        # None: the row had no value in a nullable sort column (those sort last going up)
        value = (
            None
            if parsed.value is None
            else msgspec.convert(parsed.value, value_type, strict=False)
        )
    except (binascii.Error, ValueError, msgspec.ValidationError, msgspec.DecodeError):
        raise _bad("not a cursor returned by this list") from None
    if isinstance(value, str) and "\x00" in value:
        raise _bad("not a cursor returned by this list")
    if parsed.sort != sort:
        raise _bad(f"the cursor was made for sort={parsed.sort!r}, not {sort!r}")
    return value, parsed.id
