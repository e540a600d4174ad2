"""Recording ingest end to end: 200 recorded calls (30 s to 5 min of audio) played by the
PBX simulator as webhooks to the API; the worker fetches each one-time link, streams the
file into S3, runs ffprobe and updates the call. Reports recordings per second and the
worker's peak memory (its resident set, sampled, and the kernel's high-water mark).
First, how fast the API answers webhooks: 1000 signed call events (200 calls x 5 events,
10 senders at a time) straight to the API, p50/p99 latency.

Run with ``make bench ARGS=telephony`` (the stack's API, worker and simulator are used).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.settings import ApiSettings, get_settings
from switchboard_shared.mango import build_form, encode_json

CALLS = 200
WARMUP_DURATIONS = 20
SHORTEST, LONGEST = 30.0, 300.0


def simulator_url() -> str:
    return os.environ.get("SB_PBXSIM_URL") or (
        f"http://127.0.0.1:{os.environ.get('PBXSIM_PORT', '8102')}"
    )


def worker_pid() -> int:
    found = subprocess.run(
        ["pgrep", "-f", "switchboard_api worker"], capture_output=True, text=True, check=False
    ).stdout.split()
    pids = [int(p) for p in found if Path(f"/proc/{p}/status").exists()]
    if not pids:
        sys.exit("no worker process found (is the stack running with its worker?)")
    return max(pids)  # the python process (the shell wrapper, if any, started first)


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def grid() -> list[float]:
    """The distinct talk times, 30 s to 5 min; the simulator renders each once (ffmpeg)
    during the warm-up, so the timed run measures our ingest, not the simulator's encoder."""
    step = (LONGEST - SHORTEST) / (WARMUP_DURATIONS - 1)
    return [SHORTEST + i * step for i in range(WARMUP_DURATIONS)]


def mix(count: int, seed: int) -> list[float]:
    """``count`` talk times drawn from :func:`grid`."""
    rng = random.Random(seed)
    return [rng.choice(grid()) for _ in range(count)]


async def play(http: httpx.AsyncClient, talk: list[float]) -> list[str]:
    entries = []
    for seconds in talk:
        response = await http.post(
            "/control/calls",
            json={
                "extension": "101",
                "number": f"7916{random.randrange(10**7):07d}",
                "talk_seconds": seconds,
                "record": True,
                "recording_ready_delay": 0,
                "delivery": {"gap": 0},
            },
        )
        response.raise_for_status()
        entries.append(response.json()["entry_id"])
    return entries


async def wait_stored(engine: AsyncEngine, entries: list[str], pid: int) -> tuple[float, int]:
    """Seconds until every call's recording is stored; the highest RSS seen (KiB)."""
    started, peak = time.monotonic(), 0
    while True:
        peak = max(peak, memory_kib(pid, "VmRSS"))
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE recording_status = 'stored'), "
                    "count(*) FILTER (WHERE recording_status = 'failed') "
                    "FROM calls WHERE provider_call_id = ANY(:e)"
                ),
                {"e": entries},
            )
            stored, failed = result.one()
        if stored + failed >= len(entries):
            if failed:
                print(f"  {failed} recordings FAILED", flush=True)
            return time.monotonic() - started, peak
        if time.monotonic() - started > 1800:
            sys.exit(f"timed out: {stored}/{len(entries)} stored")
        await asyncio.sleep(0.25)


def _events(entry: str, caller: str) -> list[dict[str, object]]:
    base = {"entry_id": entry, "location": "abonent", "from": {"number": caller},
            "to": {"extension": "101", "line_number": "74951234567"}}  # fmt: skip
    states = ["Appeared", "Connected", "OnHold", "Connected", "Disconnected"]
    return [
        {
            **base,
            "call_id": f"{entry}-1",
            "seq": n + 1,
            "timestamp": 1_735_725_600 + n,
            "call_state": state,
        }
        for n, state in enumerate(states)
    ]


async def webhook_latency(settings: ApiSettings) -> None:
    """p50/p99 of the API's answer to signed /events/call webhooks (through nginx)."""
    base = os.environ.get("SB_BASE_URL", "http://127.0.0.1:8080")
    key, salt = settings.mango_api_key, settings.mango_api_salt.get_secret_value()
    stamp = time.strftime("%H%M%S")
    forms = [
        build_form(key, salt, encode_json(event)).as_fields()
        for n in range(200)
        for event in _events(f"bench-{stamp}-{n}", f"7916{n:07d}")
    ]
    timings: list[float] = []
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for form in forms:
        queue.put_nowait(form)

    async def sender(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            form = queue.get_nowait()
            started = time.perf_counter()
            response = await http.post("/api/v1/telephony/mango/events/call", data=form)
            timings.append(time.perf_counter() - started)
            response.raise_for_status()

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(sender(http) for _ in range(10)))
        wall = time.perf_counter() - t0
    timings.sort()
    p50, p99 = timings[len(timings) // 2], timings[int(len(timings) * 0.99)]
    print(f"webhooks:          {len(forms)} in {wall:.1f} s ({len(forms) / wall:.0f}/s), "
          f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")  # fmt: skip


async def main() -> None:
    settings = get_settings()
    await webhook_latency(settings)
    engine = create_async_engine(settings.database_url.get_secret_value(), pool_size=2)
    pid = worker_pid()
    async with httpx.AsyncClient(base_url=simulator_url(), timeout=60) as http:
        print(f"warm-up: {WARMUP_DURATIONS} calls (the simulator renders each length once)")
        warm = await play(http, grid())
        await wait_stored(engine, warm, pid)
        rss_before = memory_kib(pid, "VmRSS")
        talk = mix(CALLS, 1)
        audio_minutes = sum(talk) / 60
        t0 = time.monotonic()
        entries = await play(http, talk)
        played = time.monotonic() - t0
        elapsed, peak = await wait_stored(engine, entries, pid)
    async with engine.connect() as conn:
        size = (
            await conn.execute(
                text("SELECT sum(recording_size) FROM calls WHERE provider_call_id = ANY(:e)"),
                {"e": entries},
            )
        ).scalar_one()
    await engine.dispose()
    total = played + elapsed
    print(f"recordings:        {CALLS} ({audio_minutes:.0f} min of audio, {size / 2**20:.0f} MiB)")
    print(f"worker concurrency {settings.worker_concurrency}")
    print(f"end to end:        {total:.1f} s -> {CALLS / total:.1f} recordings/s")
    print(f"worker RSS:        {rss_before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB")
    print(f"worker VmHWM:      {memory_kib(pid, 'VmHWM') / 1024:.0f} MiB (since it started)")


if __name__ == "__main__":
    asyncio.run(main())
