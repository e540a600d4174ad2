"""The admin's on-demand reconciliation of a period's calls with the PBX's call history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.errors import BadGateway, FieldError, InvalidInput, ServiceUnavailable
from switchboard_api.lifecycle.http import problems
from switchboard_api.phone_lines.entity import PHONE_LINES
from switchboard_api.platform.resources import Resources
from switchboard_api.telephony.call_history import HistoryReport, reconcile_calls
from switchboard_api.telephony.dial import PROVIDER_PROBLEMS
from switchboard_api.telephony.provider_interface import ProviderError
from switchboard_api.telephony.provider_registry import make_provider, provider_http

MAX_PERIOD = timedelta(days=31)


class HistoryPeriod(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The period to reconcile (ISO 8601; without an offset, UTC), at most 31 days."""

    date_from: datetime
    date_to: datetime


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _checked(period: HistoryPeriod) -> tuple[datetime, datetime]:
    start, end = _utc(period.date_from), _utc(period.date_to)
    if end <= start:
        raise InvalidInput(
            "date_to must be after date_from",
            errors=[FieldError(field="date_to", message="must be after date_from")],
        )
    if end - start > MAX_PERIOD:
        raise InvalidInput(
            "the period is longer than 31 days",
            errors=[FieldError(field="date_to", message="at most 31 days after date_from")],
        )
    return start, end


@post(
    "/reconcile",
    name="telephony:call_history:reconcile",
    summary="Reconcile a period's calls with the PBX's call history",
    description=(
        "Asks the PBX for the calls of the period and creates those its webhooks never "
        "delivered (calls already here are left as they are; running it again creates "
        "nothing). Admins only (the right to manage company lines). 502/503 if the PBX "
        "refuses or is unreachable."
    ),
    status_code=HTTP_200_OK,
    # PBX administration: the same right as editing the company's lines (admins).
    opt=entity_route(PHONE_LINES.name, Action.UPDATE),
    responses={**problems(422), **PROVIDER_PROBLEMS},
)
async def reconcile_call_history(
    resources: NamedDependency[Resources], data: JSONBody[HistoryPeriod]
) -> HistoryReport:
    """Reconcile the period now."""
    start, end = _checked(data)
    settings = resources.settings
    try:
        async with provider_http(settings) as http:
            provider = make_provider(settings, http)
            return await reconcile_calls(resources, provider, start, end)
    except ProviderError as exc:
        if exc.retryable:
            raise ServiceUnavailable(f"the PBX is unavailable: {exc}") from exc
        raise BadGateway(f"the PBX refused the call history request: {exc}") from exc


def call_history_router() -> Router:
    """The call-history routes under ``/v1/telephony/call-history``."""
    return Router(
        path="/v1/telephony/call-history",
        route_handlers=[reconcile_call_history],
        tags=["telephony"],
    )
