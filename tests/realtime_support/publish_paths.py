"""Request paths that are, or normalise to, the realtime publish API (``/apps/...``), and a
raw HTTP/1.1 client that sends them byte for byte (httpx would normalise them first).

nginx must answer every one with 404 and never pass it to the realtime node: the publish
API is internal (DESIGN.md §4), however its path is spelled.
"""

from __future__ import annotations

import asyncio
import ssl

PUBLISH_API_PATHS = (
    "/apps/1/events",
    "/apps",
    "/apps/",
    "//apps/1/events",
    "/./apps/1/events",
    "/%61pps/1/events",
    "/app%73/1/events",
    "/apps%2f1%2fevents",
    "/apps%2F1%2Fchannels",
    "/app/../apps/1/events",
    "/app/k/../../apps/1/events",
    "/app/%2e%2e/apps/1/events",
    "/app/k%2f..%2f..%2fapps%2f1%2fevents",
    "/api/..%2fapps/1/events",
    # Normalise to the WebSocket path /app/k, yet read as /apps/... by a server that
    # does not normalise: the node would see the publish API.
    "/apps/1/channels/../../../app/k",
    "/apps/1/channels/%2e%2e/%2e%2e/%2e%2e/app/k",
    "/apps/1/channels/..%2f..%2f..%2fapp%2fk",
    "/apps%2f1%2fchannels%2f..%2f..%2f..%2fapp%2fk",
    "/apps/1/events/..//../../app/k?protocol=7",
)


async def raw_status(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    tls: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """Send ``method path`` exactly as written; the response's status code."""
    reader, writer = await asyncio.open_connection(
        host, port, ssl=tls, server_hostname=host if tls else None
    )
    try:
        body = b'{"name":"x","channels":["private-t"],"data":"{}"}' if method == "POST" else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        return int(status_line.split()[1])
    finally:
        writer.close()
