"""``/api/v1/telephony/mango/...``: the webhooks Mango posts to us.

No session auth: the signature over the raw ``json`` field is the authentication (401 and
nothing stored otherwise). Every event is stored once and folded into its call in the
request's transaction, so the answer comes in milliseconds; downloads and PBX calls go to
the worker.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request, Router, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK

from switchboard_api.errors import (
    BadRequest,
    FieldError,
    Forbidden,
    InvalidInput,
    Unauthenticated,
)
from switchboard_api.lifecycle.http import problems
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.telephony.call_folding import CallFolder, Incoming
from switchboard_shared.mango import (
    CallEvent,
    CallState,
    CommandResult,
    Location,
    MangoPayload,
    PayloadError,
    RecordAddedEvent,
    RecordingEvent,
    ResultCode,
    SigningError,
    SummaryEvent,
    decode_payload,
    parse_form,
    verify_form,
)

PROVIDER = "mango"
MAX_BODY_BYTES = 64 * 1024
FORM_FIELDS = frozenset({"vpbx_api_key", "sign", "json"})


class Ack(msgspec.Struct, kw_only=True):
    """What we answer Mango (it reads only the status)."""

    success: bool = True


def _call(e: CallEvent) -> Incoming:
    rings = (
        e.to.extension
        if e.call_state is CallState.APPEARED and e.location is Location.ABONENT
        else None
    )
    return Incoming(
        kind="call",
        dedupe_key=f"call:{e.call_id}:{e.seq}",
        entry_id=e.entry_id,
        command_id=e.command_id,
        seq=e.seq,
        payload=msgspec.to_builtins(e),
        rings_extension=rings,
    )


def _summary(e: SummaryEvent) -> Incoming:
    return Incoming("summary", f"summary:{e.entry_id}", e.entry_id, None, None,
                    msgspec.to_builtins(e))  # fmt: skip


def _recording(e: RecordingEvent) -> Incoming:
    return Incoming(
        "recording", f"recording:{e.recording_id}:{e.seq}", e.entry_id, e.command_id, e.seq,
        msgspec.to_builtins(e), recording_id=e.recording_id,
    )  # fmt: skip


def _record_added(e: RecordAddedEvent) -> Incoming:
    return Incoming(
        "record_added", f"record_added:{e.recording_id}", e.entry_id, None, None,
        msgspec.to_builtins(e), recording_id=e.recording_id,
    )  # fmt: skip


def _result(e: CommandResult) -> Incoming:
    return Incoming("result", f"result:{e.command_id}", None, e.command_id, None,
                    msgspec.to_builtins(e))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Hook:
    """One webhook path: its payload type and how it becomes a stored event."""

    path: str
    payload: type[MangoPayload]
    to_event: Callable[[Any], Incoming]
    summary: str


HOOKS = (
    Hook("/events/call", CallEvent, _call, "A call leg changed state"),
    Hook("/events/summary", SummaryEvent, _summary, "A call ended (final summary)"),
    Hook("/events/recording", RecordingEvent, _recording, "A recording started or completed"),
    Hook("/events/record/added", RecordAddedEvent, _record_added, "A recording is downloadable"),
    Hook("/result/callback", CommandResult, _result, "Outcome of a click-to-call command"),
)


def _check_source(request: Request[Any, Any, Any], allowed: str) -> None:
    """403 unless the sender's address is in the configured allow-list (if there is one)."""
    if not allowed.strip():
        return
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise Forbidden("webhooks are accepted from the provider's addresses only") from None
    networks = [
        ipaddress.ip_network(n.strip(), strict=False) for n in allowed.split(",") if n.strip()
    ]
    if not any(address in network for network in networks):
        raise Forbidden("webhooks are accepted from the provider's addresses only")


async def _signed_json(
    request: Request[Any, Any, Any], resources: NamedDependency[Resources]
) -> str:
    """The verified raw ``json`` field (403 for a sender outside the allow-list, 400 for a
    malformed form, 401 for a bad signature)."""
    _check_source(request, resources.settings.telephony_webhook_sources)
    media = request.content_type[0]
    if media == "multipart/form-data":
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        names = set(form.keys())
    elif media == "application/x-www-form-urlencoded":
        body = await request.body()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("the body is not a valid form") from None
        fields, names = dict(pairs), {k for k, _ in pairs}
    else:
        raise BadRequest("expected a form post (x-www-form-urlencoded or multipart)")
    unknown = sorted(names - FORM_FIELDS)
    if unknown:
        raise BadRequest(
            "unexpected form fields",
            errors=[FieldError(field=n[:64], message="unknown field") for n in unknown[:10]],
        )
    missing = sorted(n for n in FORM_FIELDS if not fields.get(n))
    if missing:
        raise BadRequest(
            "missing form fields",
            errors=[FieldError(field=n, message="required") for n in missing],
        )
    settings = resources.settings
    try:
        return verify_form(
            parse_form(fields), settings.mango_api_key, settings.mango_api_salt.get_secret_value()
        )
    except SigningError as exc:
        raise Unauthenticated(f"webhook signature rejected: {exc}") from None


def _decode(json_text: str, hook: Hook) -> Any:
    try:
        return decode_payload(json_text, hook.payload)
    except PayloadError as exc:
        if exc.code == ResultCode.INVALID_JSON:
            raise BadRequest("the json field is not valid JSON") from None
        raise InvalidInput(
            f"the {hook.path} payload is not acceptable: {exc}",
            errors=[FieldError(field="json", message=str(exc))],
        ) from None


def _handler(hook: Hook) -> Any:
    async def receive(
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        uow: NamedDependency[UnitOfWork],
    ) -> Ack:
        json_text = await _signed_json(request, resources)
        event = hook.to_event(_decode(json_text, hook))
        await CallFolder(resources, uow, PROVIDER).receive(event)
        return Ack()

    name = hook.path.strip("/").replace("/", "_")
    return post(
        hook.path,
        name=f"telephony:mango:{name}",
        summary=f"Mango webhook: {hook.summary}",
        description=(
            "Form post `vpbx_api_key`, `sign`, `json` signed with the VPBX key and salt "
            "(401 otherwise, nothing stored). Repeats are harmless."
        ),
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
        responses=problems(403, 413, 422),
        security=[],
    )(receive)


def mango_webhooks_router() -> Router:
    """Every Mango webhook route under ``/v1/telephony/mango``."""
    return Router(
        path="/v1/telephony/mango",
        route_handlers=[_handler(hook) for hook in HOOKS],
        tags=["telephony"],
        request_max_body_size=MAX_BODY_BYTES,
    )
