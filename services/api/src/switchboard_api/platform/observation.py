"""The outermost layer of the API: each request's id and metrics, and ``/metrics`` itself.

It wraps Litestar's handler and the cached-read fast path, so every answer is counted
(by the route template Litestar matched, ``unmatched`` for none) and everything logged while
answering carries the request id. ``/metrics`` is answered here, outside Litestar's routes:
it is not part of the public API (the public nginx only proxies ``/api/``), and Prometheus
scrapes each API host's own port.
"""

from __future__ import annotations

import time

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from switchboard_api.platform import metrics
from switchboard_shared.logs import REQUEST_ID, clean_request_id

UNMATCHED = "unmatched"
_HEADER = b"x-request-id"


class RequestObservation:
    """Sets the request id, counts and times the answer; serves ``GET /metrics``."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        if scope["path"] == metrics.METRICS_PATH and scope["method"] in {"GET", "HEAD"}:
            await _send_metrics(send)
            return
        raw = next((value for name, value in scope["headers"] if name == _HEADER), None)
        token = REQUEST_ID.set(clean_request_id(raw))
        started = time.perf_counter()
        status = 500  # an exception before the answer started is answered 500 upstream

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, observed_send)
        finally:
            route = scope.get("path_template") or UNMATCHED
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
            metrics.HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
            REQUEST_ID.reset(token)


async def _send_metrics(send: Send) -> None:
    body = metrics.render()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", metrics.CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def install_observation(app: Litestar) -> None:
    """Put :class:`RequestObservation` in front of everything else in ``app``."""
    app.asgi_handler = RequestObservation(app.asgi_handler)
