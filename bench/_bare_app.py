"""The ceilings: bare Litestar handlers answering the contact's JSON.

- ``/api/bare/contact``: a fixed document from memory (``BENCH_BARE_JSON``, a file path
  holding the same contact JSON the API serves), no I/O at all;
- ``/api/bare/redis``: the same JSON read with one Redis round trip (``HMGET`` of the
  record's cache entry, key ``BENCH_BARE_REDIS_KEY`` on ``API_REDIS_URL``), the least
  I/O a strictly fresh cached read can do: it shows what one round trip costs here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Response, get
from litestar.datastructures import State

from switchboard_api.platform.redis_link import connect

_BODY = Path(os.environ["BENCH_BARE_JSON"]).read_bytes()
_KEY = os.environ.get("BENCH_BARE_REDIS_KEY", "")


@get("/api/bare/contact", sync_to_thread=False)
def bare_contact() -> Response[bytes]:
    """The same bytes every time, no I/O."""
    return Response(_BODY, media_type="application/json", headers={"ETag": '"1"'})


@get("/api/bare/redis")
async def bare_redis(state: State) -> Response[bytes]:
    """The cached record's bytes, fetched from Redis on every request."""
    version, data = await state.redis.hmget(_KEY, ["v", "d"])
    return Response(data, media_type="application/json", headers={"ETag": f'"{int(version)}"'})


@asynccontextmanager
async def _redis(app: Litestar) -> AsyncIterator[None]:
    # The API's own client (one Redis or a cluster), so the round trip costs the same.
    app.state.redis = connect(os.environ.get("API_REDIS_URL", "redis://127.0.0.1:8111/0"))
    try:
        yield
    finally:
        await app.state.redis.aclose()


app = Litestar(route_handlers=[bare_contact, bare_redis], lifespan=[_redis])
