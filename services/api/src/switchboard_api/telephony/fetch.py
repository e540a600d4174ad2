"""Downloading a recording from the provider safely: only its hosts, no redirect into a
private network (except the configured provider host itself), bounded size, streamed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import aiohttp

MAX_REDIRECTS = 3
CHUNK_BYTES = 256 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchRefused(Exception):
    """The URL is not one we may fetch, or the answer is not an acceptable recording."""


class FetchFailed(Exception):
    """The download failed in a way that may work on another try."""


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global


async def check_url(url: str, allowed_hosts: frozenset[str], provider_host: str) -> None:
    """Refuse other schemes, other hosts, and addresses in private ranges unless the host
    is the configured provider host (the local simulator lives on 127.0.0.1)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise FetchRefused(f"not an http(s) URL: {parts.scheme}://{host}")
    if host not in allowed_hosts:
        raise FetchRefused(f"host {host} is not one of the provider's recording hosts")
    if host == provider_host:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchFailed(f"cannot resolve {host}: {exc}") from exc
    if any(_is_private(str(info[4][0])) for info in infos):
        raise FetchRefused(f"host {host} resolves into a private address range")


@asynccontextmanager
async def open_recording(
    session: aiohttp.ClientSession,
    url: str,
    *,
    allowed_hosts: frozenset[str],
    provider_host: str,
    max_bytes: int,
) -> AsyncIterator[tuple[str, AsyncIterator[bytes]]]:
    """Follow at most a few checked redirects; yields ``(content_type, chunks)``."""
    for _ in range(MAX_REDIRECTS + 1):
        await check_url(url, allowed_hosts, provider_host)
        try:
            response = await session.get(url, allow_redirects=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchFailed(f"download failed: {type(exc).__name__}: {exc}") from exc
        if response.status in _REDIRECTS and response.headers.get("Location"):
            url = urljoin(url, response.headers["Location"])
            response.release()
            continue
        break
    else:
        raise FetchRefused("too many redirects")
    try:
        if response.status != 200:
            error = FetchFailed if response.status >= 500 else FetchRefused
            raise error(f"the recording link answered HTTP {response.status}")
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not (media.startswith("audio/") or media == "application/octet-stream"):
            raise FetchRefused(f"not audio: {media or 'no content type'}")
        if response.content_length is not None and response.content_length > max_bytes:
            raise FetchRefused(f"recording too large: {response.content_length} bytes")
        yield media, _chunks(response, max_bytes)
    finally:
        response.release()


async def _chunks(response: aiohttp.ClientResponse, max_bytes: int) -> AsyncIterator[bytes]:
    total = 0
    try:
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            total += len(chunk)
            if total > max_bytes:
                raise FetchRefused(f"recording larger than {max_bytes} bytes")
            yield chunk
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FetchFailed(f"download interrupted: {type(exc).__name__}: {exc}") from exc
