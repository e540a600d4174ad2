"""The Litestar application factory: routes, dependencies, lifecycle, OpenAPI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import MethodNotAllowedException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from switchboard_api.auth.controllers import AuthController, UserTokensController
from switchboard_api.auth.guards import provide_principal
from switchboard_api.auth.middleware import AuthMiddleware, method_not_allowed
from switchboard_api.entities import entity_routers
from switchboard_api.errors import EXCEPTION_HANDLERS
from switchboard_api.events.controllers import list_events
from switchboard_api.health.controllers import healthz, readyz
from switchboard_api.lifecycle.fastpath import install_fast_path
from switchboard_api.notifications.routes import notifications_router
from switchboard_api.platform.access_log import mask_access_log_queries
from switchboard_api.platform.docs import docs_assets_router, docs_render_plugin
from switchboard_api.platform.metrics import sample_pool
from switchboard_api.platform.observation import install_observation
from switchboard_api.platform.request_input import (
    StorableQueryMiddleware,
    document_input_refusals,
    request_class,
)
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.platform.unit_of_work import provide_uow
from switchboard_api.preferences.routes import preferences_router
from switchboard_api.realtime.controllers import (
    realtime_auth,
    realtime_config,
    realtime_user_auth,
)
from switchboard_api.search.routes import search
from switchboard_api.settings import ApiSettings, get_settings
from switchboard_api.telephony.history_routes import call_history_router
from switchboard_api.telephony.mango_webhooks import mango_webhooks_router
from switchboard_shared.logs import configure_json_logging
from switchboard_shared.runtime import freeze_startup_heap


def _provide_resources(state: State) -> Resources:
    resources: Resources = state.resources
    return resources


def domain_route_handlers() -> list[ControllerRouterHandler]:
    """Every domain's routes. Each domain adds its one import and list entry here."""
    return [
        *entity_routers(),
        AuthController,
        UserTokensController,
        mango_webhooks_router(),
        notifications_router(),
        preferences_router(),
        call_history_router(),
        list_events,
        realtime_auth,
        realtime_user_auth,
        realtime_config,
        search,
    ]


def create_app(settings: ApiSettings | None = None) -> Litestar:
    """Build the API application; connections open in the lifespan, not here."""
    settings = settings or get_settings()
    configure_json_logging(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per PBX call otherwise
    mask_access_log_queries()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            sampler = asyncio.create_task(sample_pool(resources.engine), name="pool-metrics")
            freeze_startup_heap()  # out of the cyclic GC's full collections (100 ms each)
            try:
                yield
            finally:
                sampler.cancel()

    api = Router(
        path="/api",
        route_handlers=[healthz, readyz, docs_assets_router(), *domain_route_handlers()],
    )
    app = Litestar(
        route_handlers=[api],
        lifespan=[lifespan],
        exception_handlers={**EXCEPTION_HANDLERS, MethodNotAllowedException: method_not_allowed},
        middleware=[AuthMiddleware, StorableQueryMiddleware],  # auth also enforces permissions
        request_class=request_class(settings.max_json_depth),  # hostile bodies stop here
        dependencies={
            "resources": Provide(_provide_resources, sync_to_thread=False),
            "uow": Provide(provide_uow),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        openapi_config=OpenAPIConfig(
            title="Switchboard API",
            version="1.0.0",
            path="/api",
            render_plugins=[docs_render_plugin("/api")],
            components=Components(
                security_schemes={
                    "session": SecurityScheme(
                        type="apiKey",
                        name=settings.session_cookie_name,
                        security_scheme_in="cookie",
                        description="Browser session from POST /api/v1/auth/login; writes "
                        "also need the X-CSRF-Token header from the login or /auth/me answer.",
                    ),
                    "token": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="Personal API token from POST /api/v1/auth/tokens.",
                    ),
                }
            ),
            security=[{"session": []}, {"token": []}],
        ),
        debug=False,
        logging_config=None,  # ours (JSON lines with the request id), not Litestar's default
    )
    document_input_refusals(app)
    install_fast_path(app)  # cached GET-by-id hits skip the framework's layers
    install_observation(app)  # outermost: request id and metrics for every answer
    return app
