"""``python -m switchboard_pbxsim`` as the Procfile runs it: PBXSIM_* settings, /healthz."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import aiohttp
import pytest
from pydantic import ValidationError

from switchboard_pbxsim.settings import PbxSimSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBXSIM_")}
    return env | settings


@pytest.fixture
def simulator_process() -> Iterator[str]:
    port = free_port()
    env = clean_env(
        PBXSIM_PORT=str(port),
        PBXSIM_SEED_MEMBERS="201:Anna Orlova,202",
        PBXSIM_SEED_LINES="78121234567",
        PBXSIM_AUDIO_DIR="",  # empty = default (a temporary directory)
    )
    process = subprocess.Popen([sys.executable, "-m", "switchboard_pbxsim"], env=env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_module_entry_point_serves_health_and_seed(simulator_process: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{simulator_process}/healthz") as response:
                    assert await response.json() == {"status": "ok"}
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the simulator did not start")
        async with http.get(f"{simulator_process}/control/state") as response:
            state = await response.json()
    users = [(u["telephony"]["extension"], u["general"]["name"]) for u in state["users"]]
    assert users == [("201", "Anna Orlova"), ("202", "Employee 202")]
    assert [line["number"] for line in state["lines"]] == ["78121234567"]


def test_unknown_setting_stops_the_start() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "switchboard_pbxsim"],
        check=False,
        env=clean_env(PBXSIM_WEBHOOK_URLL="http://typo"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "PBXSIM_WEBHOOK_URLL" in result.stderr


@pytest.mark.parametrize("seed", ["abc:Name", "101:Ok,x12:Bad"])
def test_bad_seed_is_refused(seed: str) -> None:
    with pytest.raises(ValidationError):
        PbxSimSettings(seed_members=seed)
