"""The stack's nginx (infra/nginx/local.conf.template, rendered by the launcher) holds the
same edge rules as production.conf: the publish API unreachable however its path is
spelled, sign-in attempts and open WebSockets limited per client address."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "infra" / "local"))

from profiles import profile  # noqa: E402
from provision import WS_CONNECTIONS_PER_ADDRESS  # noqa: E402

from realtime_support.publish_paths import PUBLISH_API_PATHS, raw_status  # noqa: E402


def _host_port(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname
    assert parts.port
    return parts.hostname, parts.port


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", PUBLISH_API_PATHS)
async def test_publish_api_is_404_for_every_spelling_of_its_path(
    base_url: str, method: str, path: str
) -> None:
    # The node itself answers its publish API with 401/405/400 (unsigned): 404 is nginx's.
    host, port = _host_port(base_url)
    assert await raw_status(host, port, method, path) == 404, path


async def test_the_canonical_handshake_still_passes(base_url: str) -> None:
    key = os.environ.get("RT_APP_KEY", "switchboard-key")
    host, port = _host_port(base_url)
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    status = await raw_status(host, port, "GET", f"/app/{key}?protocol=7", headers=upgrade)
    assert status == 101


async def test_sign_in_is_rate_limited_per_address(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as c:
        answers = await asyncio.gather(
            *(c.post("/api/v1/auth/login", content=b"{}") for _ in range(120))
        )
        others = await c.get("/api/healthz")
        limited = [r for r in answers if r.status_code == 429]
        assert limited, "past the burst, nginx refuses sign-in attempts"
        assert len(limited) <= 120 - 60, "the burst of 60 passes"
        assert limited[0].headers["content-type"] == "application/problem+json"
        assert limited[0].json()["type"] == "urn:switchboard:problem:rate-limited"
        assert others.status_code == 200, "only sign-in is limited"
        await asyncio.sleep(3.5)  # the zone refills (20 r/s) for the tests after this one
        assert (await c.post("/api/v1/auth/login", content=b"{}")).status_code != 429


def test_websockets_per_address_are_capped() -> None:
    """The stack's rendered config caps WebSockets per address on the handshake location
    (the cap itself is proven live on production.conf, whose value a test can reach; here
    it must leave room for the realtime benchmark's 1,000 sockets from 127.0.0.1)."""
    rendered = (profile("test").state / "nginx" / "nginx.conf").read_text()
    assert "limit_conn_zone $binary_remote_addr zone=ws_per_address:" in rendered
    handshake = rendered.split("location /app/ {", 1)[1].split("location ", 1)[0]
    assert f"limit_conn ws_per_address {WS_CONNECTIONS_PER_ADDRESS};" in handshake
    assert WS_CONNECTIONS_PER_ADDRESS > 1000
