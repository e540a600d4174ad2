"""Signing and the signed form (``vpbx_api_key``, ``sign``, ``json``) of every Mango request.

``sign = sha256_hex(vpbx_api_key + json + vpbx_api_salt)``: plain SHA-256, not HMAC. The
signature covers the exact ``json`` text sent, so verification always runs over the raw
field, never over a re-serialisation.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from switchboard_shared.mango.codec import encode_json
from switchboard_shared.mango.codes import ResultCode

FORM_FIELDS = ("vpbx_api_key", "sign", "json")


class SigningError(ValueError):
    """A signed form is not acceptable; ``code`` is the Mango error code to answer with."""

    code: ResultCode = ResultCode.BAD_PARAMETERS


class MissingFieldError(SigningError):
    """One of ``vpbx_api_key``, ``sign``, ``json`` is absent or empty."""

    code = ResultCode.PARAMETER_MISSING


class UnknownKeyError(SigningError):
    """The ``vpbx_api_key`` is not the one we know."""

    code = ResultCode.WRONG_ACCESS_KEY


class BadSignatureError(SigningError):
    """The ``sign`` does not match the key, the json and our salt."""

    code = ResultCode.SIGN_MISMATCH


def _utf8(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def sign(api_key: str, json_text: str | bytes, salt: str) -> str:
    """The lowercase hex signature of one request or webhook body."""
    return hashlib.sha256(_utf8(api_key) + _utf8(json_text) + _utf8(salt)).hexdigest()


def verify(api_key: str, json_text: str | bytes, salt: str, signature: str) -> bool:
    """Whether ``signature`` signs ``json_text``; compared in constant time."""
    expected = sign(api_key, json_text, salt).encode("ascii")
    return hmac.compare_digest(expected, _utf8(signature.strip().lower()))


def sign_recording_link(api_key: str, timestamp: int | str, recording_id: str, salt: str) -> str:
    """Signature of the GET recording link: ``sha256_hex(key + timestamp + recording_id + salt)``."""
    return sign(api_key, f"{timestamp}{recording_id}", salt)


@dataclass(frozen=True, slots=True)
class SignedForm:
    """The three form fields of a Mango request or webhook, as sent on the wire."""

    vpbx_api_key: str
    sign: str
    json: str

    def as_fields(self) -> dict[str, str]:
        """The fields as a mapping (for an HTTP client's ``data=``)."""
        return {"vpbx_api_key": self.vpbx_api_key, "sign": self.sign, "json": self.json}

    def urlencoded(self) -> bytes:
        """The ``application/x-www-form-urlencoded`` body."""
        return urlencode(self.as_fields()).encode("ascii")


def build_form(api_key: str, salt: str, payload: Any) -> SignedForm:
    """Sign a payload: a msgspec struct, a mapping, or json text already serialised."""
    json_text = payload if isinstance(payload, str) else encode_json(payload)
    return SignedForm(vpbx_api_key=api_key, sign=sign(api_key, json_text, salt), json=json_text)


def parse_form(fields: Mapping[str, str] | bytes | str) -> SignedForm:
    """Read the three fields from a decoded form or a urlencoded body (unverified)."""
    if isinstance(fields, bytes | str):
        text = fields.decode("utf-8") if isinstance(fields, bytes) else fields
        fields = dict(parse_qsl(text, keep_blank_values=True))
    missing = [name for name in FORM_FIELDS if not isinstance(fields.get(name), str)]
    missing += [name for name in FORM_FIELDS if name not in missing and not fields[name]]
    if missing:
        raise MissingFieldError(f"missing form field(s): {', '.join(missing)}")
    return SignedForm(vpbx_api_key=fields["vpbx_api_key"], sign=fields["sign"], json=fields["json"])


def verify_form(form: SignedForm, api_key: str, salt: str) -> str:
    """Check the key and the signature of a form and return its raw json text."""
    if not hmac.compare_digest(_utf8(form.vpbx_api_key), _utf8(api_key)):
        raise UnknownKeyError("unknown vpbx_api_key")
    if not verify(api_key, form.json, salt, form.sign):
        raise BadSignatureError("sign does not match")
    return form.json
