"""Deal routes: the generic lifecycle plus the deal's activity timeline."""

from __future__ import annotations

from litestar import Router

from switchboard_api.deals.entity import DEALS
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.timeline.routes import timeline_handler


def deals_router() -> Router:
    """Every deals route."""
    return lifecycle_router(DEALS, extra=[timeline_handler(DEALS)])
