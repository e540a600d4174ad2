"""Field checks the schemas cannot express, raising 422 naming the field."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from switchboard_api.errors import FieldError, InvalidInput
from switchboard_api.phones import InvalidPhone, to_e164


def invalid(field: str, message: str) -> InvalidInput:
    """A 422 naming one field."""
    return InvalidInput(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def normalize_email(value: str, field: str) -> str:
    """A syntactically valid address (domain lower-cased), or 422 naming ``field``.

    No deliverability checks; the reserved ``.test`` domain of demo and test accounts is
    accepted."""
    try:
        checked = validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
        return str(checked.normalized)
    except EmailNotValidError as exc:
        raise invalid(field, str(exc)) from None


def normalize_phone(value: str, field: str, region: str) -> str:
    """The number as E.164, or 422 naming ``field``."""
    try:
        return to_e164(value, region)
    except InvalidPhone as exc:
        raise invalid(field, str(exc)) from None
