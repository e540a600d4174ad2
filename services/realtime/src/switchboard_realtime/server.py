"""The process: one ``websockets`` server for WebSocket clients and HTTP, plus SIGTERM handling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvloop
from redis.asyncio import BlockingConnectionPool, Redis
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from switchboard_realtime.http_api import handle_http
from switchboard_realtime.httpconn import HttpApiConnection, connection_class
from switchboard_realtime.node import Node
from switchboard_realtime.protocol.codes import CloseCode
from switchboard_realtime.session import serve_connection
from switchboard_realtime.settings import RealtimeSettings, get_settings

log = logging.getLogger("switchboard_realtime")


async def start_server(node: Node) -> Server:
    """Start listening; the node must already be started."""
    settings = node.settings

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        body, error = b"", None
        if isinstance(connection, HttpApiConnection):
            body, error = connection.body, connection.body_error
        return await handle_http(node, request, body, error)

    async def handler(connection: ServerConnection) -> None:
        await serve_connection(node, connection)

    return await serve(
        handler,
        settings.host,
        settings.port,
        process_request=process_request,
        create_connection=connection_class(settings.max_http_body_bytes),
        compression=None,  # per-connection deflate costs 2x CPU and 3.5x memory in fan-out
        ping_interval=None,  # liveness is the node's sweep, which closes with 4201
        max_size=settings.max_message_bytes,
        close_timeout=settings.close_timeout_seconds,
    )


async def shutdown(server: Server, node: Node) -> None:
    """Stop accepting, close clients with 4200 so they reconnect elsewhere, leave the cluster."""
    timeout = node.settings.shutdown_timeout_seconds
    server.close(close_connections=False)
    node.draining = True
    node.close_all(CloseCode.RECONNECT, "server shutting down")
    await node.background.wait(timeout * 0.6)
    # Anything still open (a peer that does not answer the close) is cut now.
    for client in list(node.clients.values()):
        client.ws.transport.abort()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.wait_closed(), timeout * 0.2)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(node.stop(), timeout * 0.2)


def connect_redis(settings: RealtimeSettings) -> Redis:
    """A client whose pool makes callers wait for a connection instead of failing."""
    pool = BlockingConnectionPool.from_url(
        settings.redis_url.get_secret_value(), max_connections=settings.redis_pool_size, timeout=10
    )
    return Redis.from_pool(pool)  # the client owns (and closes) the pool


async def run(settings: RealtimeSettings) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully."""
    redis = connect_redis(settings)
    node = Node(settings, redis)
    await node.start()
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def request_stop() -> None:
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)
    server = await start_server(node)
    log.info("realtime node %s listening on %s:%s", node.node_id, settings.host, settings.port)
    try:
        await stop
        log.info("shutting down")
        await shutdown(server, node)
    finally:
        await redis.aclose()


def main() -> None:
    """Entry point of ``python -m switchboard_realtime``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # websockets logs every HTTP API call and connection at INFO.
    logging.getLogger("websockets").setLevel(logging.WARNING)
    # uvloop: a fan-out is one transport.write per subscriber, several times cheaper there.
    uvloop.run(run(get_settings()))
