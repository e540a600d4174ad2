"""The process: a ``websockets`` server for WebSocket clients and HTTP (on TCP, and for a
proxy on the same host also on a Unix socket), plus SIGTERM handling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import stat
from pathlib import Path
from typing import Any

import uvloop
from websockets.asyncio.server import Server, ServerConnection, serve, unix_serve
from websockets.http11 import Request, Response

from switchboard_realtime.http_api import handle_http
from switchboard_realtime.httpconn import HttpApiConnection, connection_class
from switchboard_realtime.node import Node
from switchboard_realtime.protocol.codes import CloseCode
from switchboard_realtime.redis_link import RedisClient, connect
from switchboard_realtime.session import serve_connection
from switchboard_realtime.settings import RealtimeSettings, get_settings
from switchboard_shared.logs import configure_json_logging
from switchboard_shared.runtime import freeze_startup_heap

log = logging.getLogger("switchboard_realtime")


async def start_servers(node: Node) -> list[Server]:
    """Start listening (TCP, and the Unix socket when configured); the node must already be
    started."""
    settings = node.settings

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        body, error = b"", None
        if isinstance(connection, HttpApiConnection):
            body, error = connection.body, connection.body_error
        return await handle_http(node, request, body, error)

    async def handler(connection: ServerConnection) -> None:
        await serve_connection(node, connection)

    options: dict[str, Any] = {
        "process_request": process_request,
        "create_connection": connection_class(settings.max_http_body_bytes),
        # The connection class times the opening itself (an HTTP API connection stays open
        # between requests, which websockets' own open_timeout would cut).
        "open_timeout": None,
        "compression": None,  # per-connection deflate costs 2x CPU and 3.5x memory in fan-out
        "ping_interval": None,  # liveness is the node's sweep, which closes with 4201
        "max_size": settings.max_message_bytes,
        "close_timeout": settings.close_timeout_seconds,
        "backlog": settings.listen_backlog,
    }
    servers = [await serve(handler, settings.host, settings.port, **options)]
    if settings.unix_socket:
        path = Path(settings.unix_socket)
        _remove_stale_socket(path)
        servers.append(await unix_serve(handler, path, **options))
        # As open as the TCP port on the same host: the proxy's worker user must connect.
        os.chmod(path, 0o666)  # noqa: S103
    return servers


def _remove_stale_socket(path: Path) -> None:
    # A node killed with -9 leaves its socket file behind, and binding would fail; a socket
    # somebody still answers on is another node's, and binding fails loudly as it should.
    try:
        if not stat.S_ISSOCK(path.stat().st_mode):
            return
    except FileNotFoundError:
        return
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:
            path.unlink()
        except OSError:
            pass


async def shutdown(servers: list[Server], node: Node) -> None:
    """Stop accepting, close clients with 4200 so they reconnect elsewhere, leave the cluster."""
    timeout = node.settings.shutdown_timeout_seconds
    for server in servers:
        server.close(close_connections=False)
    node.draining = True
    node.close_all(CloseCode.RECONNECT, "server shutting down")
    await node.background.wait(timeout * 0.6)
    # Anything still open (a peer that does not answer the close) is cut now.
    for client in list(node.clients.values()):
        client.ws.transport.abort()
    with contextlib.suppress(TimeoutError):
        waits = [server.wait_closed() for server in servers]
        await asyncio.wait_for(asyncio.gather(*waits), timeout * 0.2)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(node.stop(), timeout * 0.2)


def connect_redis(settings: RealtimeSettings) -> RedisClient:
    """The node's Redis (one server or a cluster, as the URL says)."""
    return connect(settings.redis_url.get_secret_value(), settings.redis_pool_size)


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
    servers = await start_servers(node)
    freeze_startup_heap()  # out of the cyclic GC's full collections
    log.info(
        "realtime node %s listening on %s:%s%s",
        node.node_id,
        settings.host,
        settings.port,
        f" and {settings.unix_socket}" if settings.unix_socket else "",
    )
    try:
        await stop
        log.info("shutting down")
        await shutdown(servers, node)
    finally:
        await redis.aclose()
        if settings.unix_socket:
            # asyncio leaves a Unix server's socket file behind (before Python 3.13).
            with contextlib.suppress(FileNotFoundError):
                os.unlink(settings.unix_socket)


def main() -> None:
    """Entry point of ``python -m switchboard_realtime``."""
    configure_json_logging(logging.INFO)
    # websockets logs every HTTP API call and connection at INFO.
    logging.getLogger("websockets").setLevel(logging.WARNING)
    # uvloop: a fan-out is one transport.write per subscriber, several times cheaper there.
    uvloop.run(run(get_settings()))
