"""``/api/healthz`` (the process is alive) and ``/api/readyz`` (its dependencies answer)."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from switchboard_api.health.checks import Readiness, check_readiness
from switchboard_api.platform.resources import Resources


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
    responses={503: ResponseSpec(data_container=Readiness, description="A dependency failed")},
)
async def readyz(resources: NamedDependency[Resources]) -> Response[Readiness]:
    """Check PostgreSQL (with its version), Redis and S3; 503 naming what failed."""
    report = await check_readiness(resources)
    return Response(report, status_code=HTTP_200_OK if report.ok else HTTP_503_SERVICE_UNAVAILABLE)
