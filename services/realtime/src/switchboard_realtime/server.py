"""The WebSocket server: Pusher protocol v7 handshake on ``/app/{key}``."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from switchboard_realtime.settings import RealtimeSettings, get_settings

log = logging.getLogger("switchboard_realtime")


def _new_socket_id() -> str:
    # Pusher socket ids are two decimal integers; they identify, they do not authenticate.
    rng = random.SystemRandom()
    return f"{rng.randint(1, 10**9)}.{rng.randint(1, 10**9)}"


def make_handlers(settings: RealtimeSettings) -> tuple[object, object]:
    """The HTTP pre-handshake hook and the connection handler for these settings."""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        return None

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request else ""
        key = path.split("?")[0].removeprefix("/app/")
        if key != settings.app_key:
            await ws.send(
                json.dumps(
                    {
                        "event": "pusher:error",
                        "data": {"code": 4001, "message": "App key not in this cluster"},
                    }
                )
            )
            await ws.close(4001, "unknown app")
            return
        data = json.dumps(
            {"socket_id": _new_socket_id(), "activity_timeout": settings.activity_timeout}
        )
        await ws.send(json.dumps({"event": "pusher:connection_established", "data": data}))
        async for raw in ws:
            msg = json.loads(raw)
            if msg.get("event") == "pusher:ping":
                await ws.send(json.dumps({"event": "pusher:pong", "data": {}}))

    return process_request, handler


async def run(settings: RealtimeSettings) -> None:
    """Serve until SIGTERM or SIGINT."""
    process_request, handler = make_handlers(settings)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,  # type: ignore[arg-type]
        settings.host,
        settings.port,
        process_request=process_request,  # type: ignore[arg-type]
        compression=None,
    ):
        log.info("realtime listening on %s:%s", settings.host, settings.port)
        await stop


def main() -> None:
    """Entry point of ``switchboard-realtime``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(get_settings()))
