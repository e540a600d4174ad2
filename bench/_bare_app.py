"""The ceiling: a bare Litestar handler answering a fixed JSON document from memory.

``BENCH_BARE_JSON`` (a file path) holds the body: the same contact JSON the API serves.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

_BODY = Path(os.environ["BENCH_BARE_JSON"]).read_bytes()


@get("/api/bare/contact", sync_to_thread=False)
def bare_contact() -> Response[bytes]:
    """The same bytes every time, no I/O."""
    return Response(_BODY, media_type="application/json", headers={"ETag": '"1"'})


app = Litestar(route_handlers=[bare_contact])
