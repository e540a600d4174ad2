"""Compact JSON encoding and lenient, typed decoding of Mango payloads.

Mango's tables and examples disagree on scalar types (``extension`` is an integer in the
tables and a string in the examples; the old doc sends ``seq`` and ``timestamp`` as
strings). Decoding therefore turns integers into strings under the keys that hold numbers
and extensions, and lets msgspec's lax mode turn numeric strings into integers.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from switchboard_shared.mango.codes import ResultCode

T = TypeVar("T")

# Keys whose values are phone numbers or extensions: always strings in our structs.
STRING_KEYS = frozenset(
    {
        "extension",
        "number",
        "line_number",
        "to_number",
        "acd_group",
        "outgoingline",
        "number_normalized",
        "mobile",
    }
)

_encoder = msgspec.json.Encoder()


class MangoPayload(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Base of every Mango payload: absent optional fields are left out of the JSON."""


class PayloadError(ValueError):
    """A ``json`` field is not valid JSON or not the expected shape."""

    def __init__(self, message: str, code: ResultCode) -> None:
        super().__init__(message)
        self.code = code


def encode_json(payload: Any) -> str:
    """Serialise compactly (no spaces, UTF-8 kept as is), as Mango signs it."""
    return _encoder.encode(payload).decode("utf-8")


def _stringify_numbers(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _stringify_numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_numbers(v, key) for v in value]
    if key in STRING_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def decode_payload(json_text: str | bytes, type_: type[T]) -> T:
    """Decode a ``json`` field into ``type_``, tolerant of Mango's string/int drift.

    Unknown fields are ignored (the provider adds fields over time); a missing required
    field or a wrong type raises :class:`PayloadError` with code 3103 or 3104.
    """
    try:
        raw = msgspec.json.decode(json_text)
    except msgspec.DecodeError as exc:
        raise PayloadError(f"invalid JSON: {exc}", ResultCode.INVALID_JSON) from exc
    try:
        return msgspec.convert(_stringify_numbers(raw), type_, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        code = (
            ResultCode.PARAMETER_MISSING
            if message.startswith("Object missing required field")
            else ResultCode.PARAMETER_WRONG_FORMAT
        )
        raise PayloadError(message, code) from exc
