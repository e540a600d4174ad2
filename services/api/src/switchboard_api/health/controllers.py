"""``/api/healthz`` (the process is alive) and ``/api/readyz`` (its dependencies answer).

Readiness details (versions, the bucket name, error text) help an operator and a probe
but tell an attacker what to aim at: only callers from loopback or private networks
(healthchecks, the orchestrator, the office) get them; others get ok / not ok.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from switchboard_api.health.checks import Readiness, check_readiness
from switchboard_api.platform.resources import Resources


class ReadinessSummary(msgspec.Struct, kw_only=True):
    """The readiness answer for callers outside the deployment."""

    ok: bool


def is_internal_caller(request: Request[Any, Any, Any]) -> bool:
    """Whether the client (as nginx forwarded it) is on loopback or a private network."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


class Liveness(msgspec.Struct):
    """The liveness answer."""

    status: str


@get("/healthz", exclude_from_auth=True, security=[{}], tags=["health"], summary="Liveness probe")
async def healthz() -> Liveness:
    """Answer as long as the process serves requests."""
    return Liveness(status="ok")


@get(
    "/readyz",
    exclude_from_auth=True,
    security=[{}],
    tags=["health"],
    summary="Readiness probe",
    description="Internal callers get every dependency's state; others only `ok`.",
    responses={503: ResponseSpec(data_container=Readiness, description="A dependency failed")},
)
async def readyz(
    request: Request[Any, Any, Any], resources: NamedDependency[Resources]
) -> Response[Readiness | ReadinessSummary]:
    """Check PostgreSQL (with its version), Redis and S3; 503 naming what failed."""
    report = await check_readiness(resources)
    status = HTTP_200_OK if report.ok else HTTP_503_SERVICE_UNAVAILABLE
    if not is_internal_caller(request):
        return Response(ReadinessSummary(ok=report.ok), status_code=status)
    return Response(report, status_code=status)
