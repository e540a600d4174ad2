"""HTTP pieces the lifecycle routes share: ETags, If-Match, documented error responses."""

from __future__ import annotations

import re

from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec

from switchboard_api.errors import PROBLEM_JSON, BadRequest, FieldError, Problem
from switchboard_api.lifecycle.service import ANY_VERSION, NO_VERSION

MAX_BODY_BYTES = 256 * 1024
"""Largest request body a lifecycle route accepts (413 beyond)."""

LIST_LIMIT_MAX = 200
"""Largest page a list route returns."""


def etag(version: int) -> str:
    """The strong ETag of a record version."""
    return f'"{version}"'


_ENTITY_TAG = re.compile(r'\s*(W/)?"(\d{1,9})"\s*')


def parse_if_match(value: str | None) -> int | None:
    """The version ``If-Match`` names, by RFC 9110's strong comparison.

    ``"3"`` (or a bare ``3``, as older clients send) is version 3; ``*`` is
    :data:`ANY_VERSION`; a weak ``W/"3"`` never matches (:data:`NO_VERSION`, a 412 once the
    record is found). A list may name one strong tag at most; anything else is a 400.
    """
    if value is None:
        return None
    text = value.strip()
    if text == "*":
        return ANY_VERSION
    if text.isdigit() and len(text) <= 9:
        return int(text)
    strong: list[int] = []
    for item in text.split(","):
        tag = _ENTITY_TAG.fullmatch(item)
        if tag is None:
            raise _bad_if_match('expected an ETag like "3", or *')
        if tag.group(1) is None:
            strong.append(int(tag.group(2)))
    if len(strong) > 1:
        raise _bad_if_match("name the one version the change is based on")
    return strong[0] if strong else NO_VERSION


def _bad_if_match(message: str) -> BadRequest:
    return BadRequest(
        "If-Match must carry the record's ETag",
        errors=[FieldError(field="If-Match", message=message, source="header")],
    )


# ``value`` is only an example: it gives the documented header its (string) schema.
ETAG_HEADER = ResponseHeader(
    name="ETag",
    value='"1"',
    documentation_only=True,
    required=True,
    description="The record's version, for If-Match.",
)
LOCATION_HEADER = ResponseHeader(
    name="Location",
    value="/api/v1/contacts/3f2a...",
    documentation_only=True,
    required=True,
    description="URL of the created record.",
)

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, wrong types, unknown fields, bad cursor, bad header)",
    401: "No valid credentials",
    403: "The caller's role may not do this",
    404: "No such record",
    409: "The record is not in a state that allows this",
    412: "If-Match names a version that is no longer current",
    413: "The request body is too large",
    422: "A field's value is not acceptable",
    428: "If-Match is required",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the given error statuses (always with 400, 401 and 403)."""
    wanted = sorted({400, 401, 403, *statuses})
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in wanted
    }
