"""The simulator's HTTP server (aiohttp)."""

from __future__ import annotations

import logging

from aiohttp import web

from switchboard_pbxsim.settings import PbxSimSettings, get_settings


async def healthz(_request: web.Request) -> web.Response:
    """Liveness of the simulator."""
    return web.json_response({"status": "ok"})


def create_app(settings: PbxSimSettings) -> web.Application:
    """Build the simulator application."""
    app = web.Application()
    app["settings"] = settings
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    """Entry point of ``switchboard-pbxsim``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
