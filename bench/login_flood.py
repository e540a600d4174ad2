"""Cached reads with and without a login flood, in one run (issue 15's benchmark).

An API process of its own (uvicorn, one worker, the stack's PostgreSQL and Redis) serves
GET /api/v1/contacts/{id} from the Redis cache: 500 sequential reads are timed, then 500
more while 50 logins a second (``BENCH_LOGINS_PER_SECOND``) arrive from rotating addresses,
each a full argon2 verification. Prints p50/p99 of both and what the flood's logins got
(401: checked and refused; 429: turned away because the hashing queue was full).
Run with ``make bench ARGS=login_flood``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from pathlib import Path

import httpx

from switchboard_api.settings import get_settings

# The API tests' helpers (users, sign-in, the flood) drive the benchmark too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "api" / "tests"))
from fixtures.auth import (
    FloodFigures,
    api_process,
    api_token,
    client,
    reads_under_login_flood,
    user_factory,
)

READS = int(os.environ.get("BENCH_READS", "500"))
LOGINS_PER_SECOND = float(os.environ.get("BENCH_LOGINS_PER_SECOND", "50"))


def _ms(latencies: list[float], quantile: str) -> str:
    value = statistics.median(latencies) if quantile == "p50" else FloodFigures.p99(latencies)
    return f"{value * 1000:7.1f} ms"


async def measure(base_url: str) -> FloodFigures:
    """Make a reader with a cached contact, then time its reads without and with the flood."""
    async with user_factory(get_settings()) as users:
        reader = await users.create("agent")
        async with client(base_url) as http:
            token = await api_token(http, reader)
        auth = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base_url, headers=auth) as http:
            created = await http.post("/api/v1/contacts", json={"name": "Bench Reader"})
            created.raise_for_status()
        path = f"/api/v1/contacts/{created.json()['id']}"
        return await reads_under_login_flood(
            base_url, path, auth, reads=READS, logins_per_second=LOGINS_PER_SECOND
        )


def main() -> None:
    """Run once and print the figures."""
    with api_process("--no-access-log", "--loop", "uvloop", "--http", "httptools") as (url, _):
        figures = asyncio.run(measure(url))
    print(f"cached GET, {READS} sequential reads each, {LOGINS_PER_SECOND:.0f} logins/s flood")
    for name, latencies in (("without flood", figures.quiet), ("with flood", figures.flooded)):
        print(f"  {name:14} p50 {_ms(latencies, 'p50')}  p99 {_ms(latencies, 'p99')}")
    print(f"  flood logins by status: {dict(sorted(figures.login_statuses.items()))}")


if __name__ == "__main__":
    main()
