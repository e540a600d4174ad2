"""Recordings: 'not ready' (404, 3320) for the configured time, then one-time mp3 links."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

from switchboard_shared.mango import sign_recording_link

from .conftest import API_KEY, API_SALT, Simulator


def ffprobe_seconds(path: Path) -> float:
    out = subprocess.run(
        ["/usr/bin/ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
         str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return float(json.loads(out)["format"]["duration"])


async def test_recording_is_not_ready_then_served_once(
    simulator: Simulator, tmp_path: Path
) -> None:
    run = await simulator.play(talk_seconds=7.25, recording_ready_delay=1.5)
    recording_id = run["recording_id"]
    assert run["recording_seconds"] == 7.25
    query = {"recording_id": recording_id, "action": "download"}

    early = await simulator.mango("queries/recording/post", query)
    assert early.status == 404
    assert (await early.json())["result"] == 3320

    await asyncio.sleep(max(run["recording_ready_at"] - time.time(), 0) + 0.05)
    ready = await simulator.mango("queries/recording/post", query)
    assert ready.status == 302
    link = ready.headers["Location"]
    assert link.startswith(simulator.url + "/files/")

    target = tmp_path / "recording.mp3"
    async with simulator.http.get(link) as response:
        assert response.status == 200
        assert response.content_type == "audio/mpeg"
        length = int(response.headers["Content-Length"])
        with target.open("wb") as out:
            async for chunk in response.content.iter_chunked(64 * 1024):
                out.write(chunk)
    assert target.stat().st_size == length > 10_000
    assert 7.2 <= ffprobe_seconds(target) <= 7.3

    async with simulator.http.get(link) as second:
        assert second.status == 404  # one-time

    again = await simulator.mango("queries/recording/post", query)
    assert again.status == 302
    assert again.headers["Location"] != link


async def test_unknown_recording_is_3320(simulator: Simulator) -> None:
    response = await simulator.mango(
        "queries/recording/post", {"recording_id": "bm9uZQ==", "action": "play"}
    )
    assert response.status == 404
    assert (await response.json())["result"] == 3320


async def test_unanswered_calls_have_no_recording(simulator: Simulator) -> None:
    run = await simulator.play(outcome="missed", record=True)
    assert run["recording_id"] is None
    run = await simulator.play(outcome="answered", record=False)
    assert run["recording_id"] is None


async def test_signed_get_link(simulator: Simulator) -> None:
    run = await simulator.play(talk_seconds=2, recording_ready_delay=0)
    recording_id = run["recording_id"]
    expires = int(time.time()) + 600
    good = sign_recording_link(API_KEY, expires, recording_id, API_SALT)
    base = f"{simulator.url}/vpbx/queries/recording/link/{recording_id}/download"
    async with simulator.http.get(
        f"{base}/{API_KEY}/{expires}/{good}", allow_redirects=False
    ) as response:
        assert response.status == 302
    async with simulator.http.get(
        f"{base}/{API_KEY}/{expires}/{'0' * 64}", allow_redirects=False
    ) as response:
        assert response.status == 420
        assert (await response.json())["code"] == 3102
    past = int(time.time()) - 1
    stale = sign_recording_link(API_KEY, past, recording_id, API_SALT)
    async with simulator.http.get(f"{base}/{API_KEY}/{past}/{stale}") as response:
        assert response.status == 420


async def test_record_added_can_wait_until_the_file_is_ready(simulator: Simulator) -> None:
    started = time.monotonic()
    run = await simulator.play(
        talk_seconds=3, recording_ready_delay=0.6, record_added_when_ready=True
    )
    assert time.monotonic() - started >= 0.6
    assert run["webhooks"][-1]["path"] == "/events/record/added"
    response = await simulator.mango(
        "queries/recording/post", {"recording_id": run["recording_id"], "action": "download"}
    )
    assert response.status == 302
