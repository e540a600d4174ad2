"""Phone numbers: parse what people type, store and compare E.164 (``+79123456789``)."""

from __future__ import annotations

import phonenumbers

# Characters a person may use when writing a number; anything else is not a phone number.
_PHONE_CHARS = frozenset("0123456789+-() .")


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def to_e164(text: str, default_region: str) -> str:
    """Parse ``text`` (``+7 912 345-67-89``, ``8 (912) 345 67 89``, ``89123456789``...) and
    return it as E.164; numbers without a country code are read in ``default_region``."""
    candidate = text.strip()
    if not candidate or not set(candidate) <= _PHONE_CHARS:
        raise InvalidPhone(f"{text!r} is not a phone number")
    try:
        parsed = phonenumbers.parse(candidate, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{text!r} is not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{text!r} is not a valid phone number")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def phone_search_digits(text: str) -> str | None:
    """The digits of a search term that looks like (part of) a phone number, else None.

    Search matches stored E.164 numbers, so ``912 345`` must become ``912345``."""
    stripped = text.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    if len(digits) >= 3 and set(stripped) <= _PHONE_CHARS:
        return digits
    return None
