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


def phone_search_patterns(text: str, default_region: str) -> list[str]:
    """What a search term that looks like (part of) a phone number matches in stored text,
    else an empty list.

    Stored numbers are E.164 (``+79161234567``). A term written with its country code
    (``+7916123``) or with the region's national prefix, as people in Russia type numbers
    (``8916123``, ``8 (916) 123-45-67``), becomes the start of an E.164 number
    (``+7916123``): a prefix, since a ``+`` only starts a number. Any other run of digits
    (``916 123``, ``123-45``) may stand anywhere in a number, or follow the country code."""
    stripped = text.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    if len(digits) < 3 or not set(stripped) <= _PHONE_CHARS:
        return []
    if stripped.startswith("+"):
        return [f"+{digits}"]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(default_region)
    national_prefix = metadata.national_prefix if metadata is not None else None
    country_code = phonenumbers.country_code_for_region(default_region)
    if national_prefix and digits.startswith(national_prefix):
        return [f"+{country_code}{digits[len(national_prefix) :]}"]
    # Digits without a prefix: anywhere in a number, or its start after the country code.
    return [digits, f"+{country_code}{digits}"]
