"""Fixtures: the simulator and a webhook receiver ("our API"), each on a free local port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from switchboard_pbxsim.server import create_app
from switchboard_pbxsim.settings import PbxSimSettings
from switchboard_shared.mango import build_form, parse_form, verify_form

API_KEY = "test-vpbx-key"
API_SALT = "test-vpbx-salt"


@dataclass
class Received:
    """One webhook as the receiver got it."""

    path: str
    fields: dict[str, str]
    content_type: str

    @property
    def payload(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.fields["json"])
        return result


@dataclass
class Receiver:
    """A stand-in for our API's webhook endpoint; records every POST in arrival order."""

    url: str
    received: list[Received] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]


@dataclass
class Simulator:
    """A running simulator and a client session to talk to it."""

    url: str
    settings: PbxSimSettings
    http: aiohttp.ClientSession

    async def mango(
        self, method: str, payload: Any, **form_overrides: str
    ) -> aiohttp.ClientResponse:
        """POST a signed Mango request (the response is read, then returned)."""
        fields = build_form(API_KEY, API_SALT, payload).as_fields() | form_overrides
        response = await self.http.post(
            f"{self.url}/vpbx/{method}", data=fields, allow_redirects=False
        )
        await response.read()
        return response

    async def play(self, **script: Any) -> dict[str, Any]:
        """Script a call and wait until all its webhooks are delivered."""
        async with self.http.post(f"{self.url}/control/calls?wait=true", json=script) as response:
            assert response.status == 201, await response.text()
            run: dict[str, Any] = await response.json()
        assert run["status"] == "done"
        return run


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = web.Application()
    state = Receiver(url="")

    async def record(request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        state.received.append(Received(request.path, form, request.content_type))
        return web.json_response({"success": True})

    app.router.add_post("/{tail:.*}", record)
    runner, url = await _serve(app)
    state.url = url + "/api/v1/telephony/mango"
    yield state
    await runner.cleanup()


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pbxsim-audio")


def make_settings(webhook_url: str, audio_dir: Path, **overrides: Any) -> PbxSimSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "api_key": API_KEY,
        "api_salt": SecretStr(API_SALT),
        "webhook_url": webhook_url,
        "public_url": None,
        "audio_dir": audio_dir,
        "recording_ready_delay": 1.0,
        "webhook_gap": 0.0,
        "callback_answer": True,
        "callback_talk_seconds": 5.0,
        "callback_record": True,
        # Pinned so PBXSIM_* vars exported by `make test` cannot change what tests assert.
        "sip_domain": "acme.mangosip.ru",
        "product_id": 300012345,
        "webhook_timeout": 10.0,
        "seed_members": "101:Ivan,102:Maria,103:Oleg",
        "seed_lines": "74951234567:Main,78005553535:Toll-free",
    }
    return PbxSimSettings(**(values | overrides))


@pytest.fixture
async def simulator(receiver: Receiver, audio_dir: Path) -> AsyncIterator[Simulator]:
    settings = make_settings(receiver.url, audio_dir)
    runner, url = await _serve(create_app(settings))
    async with aiohttp.ClientSession() as http:
        yield Simulator(url, settings, http)
    await runner.cleanup()


def verified_payloads(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    """Every received webhook as (path relative to our base, payload), signature checked."""
    prefix = "/api/v1/telephony/mango"
    result = []
    for item in receiver.received:
        assert item.content_type == "application/x-www-form-urlencoded"
        raw = verify_form(parse_form(item.fields), API_KEY, API_SALT)
        assert item.path.startswith(prefix)
        result.append((item.path.removeprefix(prefix), json.loads(raw)))
    return result
