"""The one error tree of the API and its one mapping to RFC 9457 problem details.

Services raise :class:`AppError` subclasses (never HTTP exceptions); Litestar's own
exceptions (validation, routing, auth) are mapped here too, so every error response in
the API is ``application/problem+json`` with a stable ``type``.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger("switchboard_api.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:switchboard:problem:"


class FieldError(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One invalid input field: where it is and what is wrong with it."""

    field: str
    message: str
    source: str | None = None


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem details body."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = None


class AppError(Exception):
    """Base of every error a service may raise; subclasses fix status, slug and title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class InvalidInput(AppError):
    """The request is well-formed but a field's value is not acceptable (422)."""

    status, slug, title = 422, "invalid-input", "Invalid input"


class BadRequest(AppError):
    """The request cannot be understood (malformed syntax, bad cursor...)."""

    status, slug, title = 400, "bad-request", "Bad request"


class Unauthenticated(AppError):
    """No valid credentials."""

    status, slug, title = 401, "unauthenticated", "Authentication required"


class AccountDisabled(Unauthenticated):
    """The right password of a disabled account, or a session ended by disabling it: the
    employee is told why instead of "wrong password" or "session expired"."""

    slug, title = "account-disabled", "Account disabled"


class RoleChanged(Unauthenticated):
    """A session an administrator ended by changing the employee's role: sign in again to
    work with the new role."""

    slug, title = "role-changed", "Role changed"


class Forbidden(AppError):
    """Authenticated but not allowed."""

    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    """The resource does not exist (or the caller may not know it exists)."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    """The request conflicts with the current state (duplicate, wrong lifecycle state)."""

    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    """If-Match named a version that is no longer current."""

    status, slug, title = 412, "stale-version", "The record was changed by someone else"


class PreconditionRequired(AppError):
    """A conditional header is required for this write."""

    status, slug, title = 428, "precondition-required", "If-Match is required"


class PayloadTooLarge(AppError):
    """The request body exceeds the limit."""

    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(AppError):
    """The body is not in a format the route takes (JSON routes take JSON only)."""

    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class RateLimited(AppError):
    """Too many attempts; ``Retry-After`` says when to try again."""

    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(AppError):
    """A dependency (provider, storage) is unavailable; try again later."""

    status, slug, title = 503, "unavailable", "Service unavailable"


class BadGateway(AppError):
    """An upstream service (the PBX provider) refused or answered nonsense."""

    status, slug, title = 502, "bad-gateway", "The upstream service refused the request"


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """Build the problem+json response; the one place the body's shape is decided."""
    body = Problem(
        type=TYPE_PREFIX + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        request_id=request.headers.get("x-request-id"),
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _app_error(request: Request[Any, Any, Any], exc: AppError) -> Response[Problem]:
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _field_name(key: str, message: str) -> str:
    # msgspec reports unknown and missing fields at their parent ("data", "phones[0]");
    # name the field itself.
    named = _NAMED_FIELD.search(message)
    if named is None:
        return key
    parent = "" if key in {"data", "body"} else key + "."
    return parent + named.group(1)


def _missing_parameter(detail: str) -> list[FieldError]:
    found = _MISSING_PARAMETER.search(detail)
    if found is None:
        return []
    return [FieldError(field=found.group(2), message="required", source=found.group(1))]


def _field_errors(extra: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            message = str(item.get("message", "invalid"))
            source = item.get("source")
            errors.append(
                FieldError(
                    field=_field_name(str(item.get("key") or "body"), message),
                    message=message,
                    source=str(getattr(source, "value", source)) if source else None,
                )
            )
    return errors


_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}


#: What Litestar raises (as a 500) when the client hangs up before its body arrived.
_CLIENT_GONE = "client disconnected prematurely"
#: nginx's code for a request the client closed; nobody receives the answer anyway.
CLIENT_CLOSED_REQUEST = 499


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if isinstance(exc, InternalServerException) and exc.detail == _CLIENT_GONE:
        # Not a server error: the request was abandoned (a closed tab, a timeout in the
        # client, a load test's end). Nothing was written; an ERROR here would be noise.
        log.info("client went away during %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=CLIENT_CLOSED_REQUEST,
            slug="client-closed-request",
            title="The client closed the request",
            detail=exc.detail,
        )
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc.extra) or _missing_parameter(str(exc.detail))
        fields = ", ".join(e.field for e in errors)
        return problem_response(
            request,
            status=400,
            slug="invalid-request",
            title="The request is not valid",
            detail=f"{exc.detail}" + (f" (fields: {fields})" if fields else ""),
            errors=errors or None,
        )
    slug, title = _HTTP_SLUGS.get(status, ("http-error", "HTTP error"))
    if status >= 500:
        log.error("HTTP %s on %s: %s", status, request.url.path, exc.detail)
    return problem_response(
        request,
        status=status,
        slug=slug,
        title=title,
        detail=exc.detail,
        headers=dict(exc.headers or {}),
    )


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        slug="internal",
        title="Internal error",
        detail="An unexpected error occurred; it has been logged.",
    )


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """A backing service (PostgreSQL, mostly) refused or dropped the connection: retryable,
    and not the client's fault. Other database errors stay 500s (they are our bugs)."""
    if isinstance(exc, DBAPIError) and not (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    ):
        return _unexpected(request, exc)
    log.warning("backing service unavailable on %s %s: %r", request.method, request.url.path, exc)
    return problem_response(
        request,
        status=503,
        slug="unavailable",
        title="Service unavailable",
        detail="A backing service is unreachable right now; try again shortly.",
        headers={"Retry-After": "2"},
    )


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    AppError: _app_error,
    HTTPException: _http_error,
    OSError: _unavailable,  # connection refused/reset, timeouts (TimeoutError is an OSError)
    DBAPIError: _unavailable,
    Exception: _unexpected,
}
"""Pass to ``Litestar(exception_handlers=...)``."""

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "AppError",
    "BadGateway",
    "BadRequest",
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthenticated",
    "UnsupportedMediaType",
    "problem_response",
]
