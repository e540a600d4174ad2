"""The whole stack answers through nginx: readiness, the WebSocket handshake, closed paths."""

from __future__ import annotations

import json
import os

import httpx
from websockets.asyncio.client import connect


async def test_readyz_reports_every_dependency(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        resp = await client.get("/api/readyz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["ok"] is True
    assert set(body["checks"]) == {"postgres", "redis", "s3"}
    version = body["checks"]["postgres"]["detail"].split()[1]
    assert int(version.split(".")[0]) >= 16


async def test_healthz_is_cheap_and_public(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        resp = await client.get("/api/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_realtime_publish_api_is_not_exposed(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        resp = await client.post("/apps/switchboard/events", json={})
    assert resp.status_code == 404


async def test_websocket_handshake_through_nginx(base_url: str) -> None:
    key = os.environ.get("RT_APP_KEY", "switchboard-key")
    url = base_url.replace("http://", "ws://") + f"/app/{key}?protocol=7&client=js&version=8.4.0"
    async with connect(url) as ws:
        frame = json.loads(await ws.recv())
    assert frame["event"] == "pusher:connection_established"
    data = json.loads(frame["data"])
    assert data["activity_timeout"] > 0
    left, _, right = data["socket_id"].partition(".")
    assert left.isdigit()
    assert right.isdigit()


async def test_spa_is_served_with_history_fallback(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        root = await client.get("/")
        deep = await client.get("/contacts/some/deep/link")
    assert root.status_code == 200
    assert "<html" in root.text.lower()
    assert deep.status_code == 200
    assert deep.text == root.text
