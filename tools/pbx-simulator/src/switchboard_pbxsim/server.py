"""The simulator's HTTP server (aiohttp): VPBX API, one-time files, control API, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from switchboard_pbxsim import control, files, vpbx
from switchboard_pbxsim.audio import AudioCache
from switchboard_pbxsim.calls import CallPlayer
from switchboard_pbxsim.context import SETTINGS, SIMULATOR, Simulator
from switchboard_pbxsim.delivery import WebhookSender
from switchboard_pbxsim.directory import Directory
from switchboard_pbxsim.recordings import RecordingStore
from switchboard_pbxsim.settings import PbxSimSettings, get_settings


async def healthz(_request: web.Request) -> web.Response:
    """Liveness of the simulator."""
    return web.json_response({"status": "ok"})


async def _simulator_lifecycle(app: web.Application) -> AsyncIterator[None]:
    """Own the webhook HTTP client and the audio cache for the app's lifetime."""
    settings = app[SETTINGS]
    audio = AudioCache(settings.audio_dir)
    timeout = aiohttp.ClientTimeout(total=settings.webhook_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        sender = WebhookSender(
            session, settings.webhook_url, settings.api_key, settings.api_salt.get_secret_value()
        )
        directory = Directory(settings)
        recordings = RecordingStore(audio)
        player = CallPlayer(settings, directory, recordings, sender)
        app[SIMULATOR] = Simulator(settings, directory, recordings, player)
        try:
            yield
        finally:
            await player.close()
            audio.close()


def create_app(settings: PbxSimSettings) -> web.Application:
    """Build the simulator application."""
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_simulator_lifecycle)
    app.router.add_get("/healthz", healthz)
    control.add_routes(app)
    files.add_routes(app)
    vpbx.add_routes(app)
    return app


def main() -> None:
    """Entry point of ``switchboard-pbxsim``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
