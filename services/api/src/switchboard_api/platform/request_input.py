"""Hostile input is refused once, here, for every route: no schema needs a line of its own.

Before any handler sees a request:
- a JSON body must be sent as JSON (``Content-Type: application/json`` or ``+json``): 415
  otherwise (a ``text/plain`` body is how a cross-site form posts JSON without a preflight);
- it must nest no deeper than a setting (400): decoding and walking it stay cheap and never
  reach Python's recursion limit;
- no string in it, key or value, may hold text PostgreSQL cannot store (NUL, lone UTF-16
  surrogates): 422 naming the field; a query parameter with such text (or not UTF-8) is a
  400 naming it, like any other malformed parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import Litestar, Request
from litestar.openapi.spec import OpenAPIResponse
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from switchboard_api.errors import BadRequest, FieldError, InvalidInput, UnsupportedMediaType

# NUL and the surrogate code points: PostgreSQL's text refuses the first, UTF-8 the second.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "must not contain NUL characters or unpaired UTF-16 surrogates"


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or any ``application/*+json``, parameters ignored."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


MAX_FIELD_PATH = 200  # a field's path is made of the client's keys: it is echoed cut short


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return (f"{parent}.{key}" if parent else key)[:MAX_FIELD_PATH]


def _strings(value: Any) -> Iterator[tuple[str, str, bool, int]]:
    """Every string in a decoded JSON value: (field path, text, is a key, depth).

    Iterative on purpose: a hostile body must not be able to recurse the walker.
    """
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, str):
            yield path, item, False, depth
        elif isinstance(item, dict):
            yield path, "", False, depth + 1  # the container's own depth
            for key, child in item.items():
                yield path or "body", key, True, depth + 1  # a bad key is named by its object
                stack.append((_path(path, key), child, depth + 1))
        elif isinstance(item, list):
            yield path, "", False, depth + 1
            stack.extend((_path(path, i), child, depth + 1) for i, child in enumerate(item))


def check_json_value(value: Any, max_depth: int) -> None:
    """Refuse a decoded body that nests too deep (400) or holds unstorable text (422)."""
    bad: list[FieldError] = []
    for path, text, is_key, depth in _strings(value):
        if depth > max_depth:
            raise _too_deep(max_depth, path)
        if text and UNSTORABLE.search(text):
            message = ("a key " if is_key else "") + UNSTORABLE_MESSAGE
            bad.append(FieldError(field=path or "body", message=message, source="body"))
    if bad:
        raise InvalidInput("text that cannot be stored", errors=bad)


def _depth_of(body: bytes) -> int:
    """How deep a JSON text nests, from its brackets outside strings (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def decode_json_body(body: bytes, max_depth: int) -> Any:
    """The body decoded, or the 4xx that says what is wrong with it."""
    try:
        value = msgspec.json.decode(body)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        _locate_unstorable(body, max_depth)  # a lone surrogate is a field's error, not syntax
        raise BadRequest(
            f"the body is not valid JSON: {exc}",
            errors=[FieldError(field="body", message="not valid JSON", source="body")],
        ) from None
    check_json_value(value, max_depth)
    return value


def _too_deep(max_depth: int, path: str = "") -> BadRequest:
    return BadRequest(
        f"the JSON body nests deeper than {max_depth} levels",
        errors=[FieldError(field=path or "body", message="nested too deep", source="body")],
    )


def _locate_unstorable(body: bytes, max_depth: int) -> None:
    """msgspec refuses lone surrogates (escaped or as raw bytes) without naming the field:
    parse leniently to find it and raise the 422 a NUL gets. Returns if it is not that."""
    if _depth_of(body) > max_depth:
        raise _too_deep(max_depth)
    try:
        lenient = json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return
    check_json_value(lenient, max_depth)


class StorableInputRequest(Request[Any, Any, Any]):
    """The app's request class: its JSON body passes :func:`decode_json_body` first."""

    max_json_depth = 32  # replaced per app by :func:`request_class`

    async def json(self) -> Any:
        if self._json is Empty:
            cached = self._connection_state.json
            if cached is not Empty:
                self._json = cached
                return cached
            body = await self.body()
            if body and not is_json_media_type(self.headers.get("content-type", "")):
                raise UnsupportedMediaType(
                    "send the body as application/json",
                    errors=[
                        FieldError(
                            field="Content-Type",
                            message="expected application/json",
                            source="header",
                        )
                    ],
                )
            self._json = self._connection_state.json = decode_json_body(
                body or b"null", self.max_json_depth
            )
        return self._json


def request_class(max_json_depth: int) -> type[StorableInputRequest]:
    """The request class for an app whose JSON bodies may nest ``max_json_depth`` deep."""
    return type("AppRequest", (StorableInputRequest,), {"max_json_depth": max_json_depth})


def _unstorable_query_parameters(query_string: bytes) -> list[FieldError]:
    bad: list[FieldError] = []
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        raw_name = unquote_to_bytes(name.replace(b"+", b" "))
        raw_value = unquote_to_bytes(value.replace(b"+", b" "))
        if b"\x00" in raw_name + raw_value or not _utf8(raw_name + raw_value):
            field = raw_name.decode("utf-8", "replace").replace("\x00", "") or "query"
            bad.append(FieldError(field=field, message=UNSTORABLE_MESSAGE, source="query"))
    return bad


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class StorableQueryMiddleware:
    """400 for a query parameter whose text cannot be stored or searched (NUL, not UTF-8)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        if query and (b"%" in query or b"\x00" in query):
            bad = _unstorable_query_parameters(query)
            if bad:
                raise BadRequest("a query parameter holds text that cannot be searched", errors=bad)
        await self.app(scope, receive, send)


_REFUSALS = {
    "415": "The body is not JSON (send Content-Type: application/json)",
    "422": "A field's value is not acceptable (text that cannot be stored, among others)",
}


def document_input_refusals(app: Litestar) -> None:
    """Every route that takes a JSON body documents the boundary's 415 and 422 (with the
    problem schema its 400 already has), so the OpenAPI document says what it answers."""
    for item in (app.openapi_schema.paths or {}).values():
        for operation in (item.post, item.put, item.patch, item.delete):
            body = operation.request_body if operation else None
            content = getattr(body, "content", None) or {}
            if operation is None or "application/json" not in content:
                continue
            responses = operation.responses if operation.responses is not None else {}
            problem = responses.get("400")
            for status, description in _REFUSALS.items():
                if status not in responses:
                    responses[status] = OpenAPIResponse(
                        description=description,
                        content=getattr(problem, "content", None),
                    )
            operation.responses = responses
