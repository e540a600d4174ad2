"""Click-to-call: a call record for the employee, then the provider's callback command.

The record is committed *before* the command is sent, so the provider's webhooks (which
can arrive before its HTTP answer) find it by ``command_id``. If the provider refuses or
cannot be reached, the call is marked failed and the caller gets a 502/503 problem.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime

from litestar.openapi.datastructures import ResponseSpec

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.calls.entity import CALLS
from switchboard_api.calls.schemas import DialRequest
from switchboard_api.errors import (
    PROBLEM_JSON,
    BadGateway,
    FieldError,
    InvalidInput,
    Problem,
    ServiceUnavailable,
)
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.repository import Row
from switchboard_api.lifecycle.validation import normalize_phone
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import read_session, unit_of_work
from switchboard_api.telephony import repository as repo
from switchboard_api.telephony.dial_policy import check_dial_allowed
from switchboard_api.telephony.provider_interface import ProviderError
from switchboard_api.telephony.provider_registry import make_provider, provider_http

log = logging.getLogger("switchboard_api.telephony.dial")

PROVIDER_PROBLEMS = {
    status: ResponseSpec(
        data_container=Problem,
        description=text,
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
    for status, text in (
        (502, "The PBX refused the request"),
        (503, "The PBX is unreachable or overloaded; try again"),
    )
}
"""OpenAPI responses of routes that call the provider."""


async def _extension_of(resources: Resources, user_id: uuid.UUID) -> str:
    async with read_session(resources.sessionmaker) as session:
        user = await repo.user_for_sync(session, user_id)
    extension = user["extension"] if user else None
    if not extension:
        raise InvalidInput(
            "you have no PBX extension to call from",
            errors=[FieldError(field="extension", message="the caller has no extension")],
        )
    return str(extension)


async def _write(
    resources: Resources, actor: uuid.UUID, call_id: uuid.UUID | None, values: dict[str, object]
) -> Row:
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(CALLS, uow, record_cache(resources), actor=actor)
        if call_id is None:
            return (await writer.insert(values)).row
        current = await writer.get(call_id, lock=True)
        assert current is not None  # we just created it
        return current if current["is_final"] else await writer.update(current, values)


async def dial(resources: Resources, principal: Principal, data: DialRequest) -> Row:
    """Create the outbound call and ask the provider to connect it."""
    require(principal, CALLS.name, Action.CREATE)
    settings = resources.settings
    extension = await _extension_of(resources, principal.user_id)
    to_number = normalize_phone(data.to_number, "to_number", settings.default_phone_region)
    await check_dial_allowed(resources, principal.user_id, to_number)
    line = (
        normalize_phone(data.line_number, "line_number", settings.default_phone_region)
        if data.line_number
        else None
    )
    command_id = f"sb-{secrets.token_hex(12)}"
    provider_name = settings.telephony_provider
    row = await _write(
        resources,
        principal.user_id,
        None,
        {
            "provider": provider_name,
            "command_id": command_id,
            "direction": "outbound",
            "status": "ringing",
            "from_extension": extension,
            "to_number": to_number,
            "line_number": line,
            "employee_id": principal.user_id,
            "started_at": datetime.now(UTC),
            "created_by": principal.user_id,
            "updated_by": principal.user_id,
        },
    )
    try:
        async with provider_http(settings) as http:
            await make_provider(settings, http).callback(
                command_id=command_id,
                extension=extension,
                to_number=to_number.lstrip("+"),
                line_number=line.lstrip("+") if line else None,
            )
    except ProviderError as exc:
        log.warning("click-to-call %s failed: %s", command_id, exc)
        await _write(
            resources, principal.user_id, row["id"], {"status": "failed", "is_final": True}
        )
        if exc.retryable:
            raise ServiceUnavailable(f"the PBX is unavailable: {exc}") from exc
        raise BadGateway(f"the PBX refused the call: {exc}") from exc
    return row
