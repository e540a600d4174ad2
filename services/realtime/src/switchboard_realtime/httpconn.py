"""Lets the ``websockets`` server read HTTP request bodies, for the HTTP API's POSTs.

``websockets`` parses the opening request itself and refuses any body. This
connection class looks at the head first: a request announcing a body
(``Content-Length`` > 0) is read here, up to a limit, and handed to the same
``process_request`` hook as every other request, with the body attached;
everything else flows to ``websockets`` untouched.

Such a connection is kept alive for the client's next POST (the outbox relay publishes
many times a second: a new TCP connection and handshake each time cost both sides more
than the publish). The server runs without ``websockets``' own ``open_timeout`` for that
reason; :meth:`HttpApiConnection.handshake` puts the same deadline on the opening instead.
"""

from __future__ import annotations

import asyncio
import http
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import SERVER, Request

_MAX_HEAD = 16_384
#: How long an HTTP API connection may wait, idle, for its next request (the relay's
#: client drops its idle connections after 5 s, before this).
KEEP_ALIVE_SECONDS = 30.0


class BodyTooLarge(ValueError):
    """The announced body exceeds the limit (answered 413 without reading it)."""


def _parse_head(head: bytes) -> tuple[Request, int]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, protocol = lines[0].split(" ", 2)
    headers = Headers()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        headers[name.strip()] = value.strip()
    length = int(headers.get("Content-Length", "0"))
    if length < 0:
        raise ValueError("negative Content-Length")
    return Request(path, headers, method, protocol), length


class HttpApiConnection(ServerConnection):
    """A server connection that also accepts plain HTTP requests with a body."""

    #: largest body read, and the deadline of the opening request or WebSocket handshake;
    #: set per server by :func:`connection_class`
    max_body = 1_048_576
    open_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._buffer = bytearray()
        self._pending: Request | None = None
        self.body_error: Exception | None = None
        self._fresh_request_state()

    def _fresh_request_state(self) -> None:
        """Nothing of a request read yet: before the first, and between kept-alive ones."""
        self._sniffing, self._taken, self._body_length = True, False, -1
        self._pending = None
        self.body, self.body_error = b"", None

    def data_received(self, data: bytes) -> None:
        """Read a request head (and body when there is one) before ``websockets`` sees it."""
        if self._taken:
            self._buffer += data  # the next request on a kept-alive connection
            return
        if not self._sniffing:
            super().data_received(data)
            return
        self._buffer += data
        if self._body_length < 0 and not self._read_head():
            return
        if self._sniffing and len(self._buffer) >= self._body_length:
            self.body = bytes(self._buffer[: self._body_length])
            del self._buffer[: self._body_length]  # what follows is the next request's
            self._finish_sniffing()

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HEAD:
                self._hand_over()
            return False
        try:
            request, length = _parse_head(bytes(self._buffer[:end]))
        except (ValueError, UnicodeDecodeError):
            self._hand_over()  # let websockets produce its own 400
            return False
        if length == 0:
            self._hand_over()
            return False
        del self._buffer[: end + 4]
        if request.headers.get("Expect", "").lower() == "100-continue" and length <= self.max_body:
            # curl asks before sending a body over 1 KiB; say yes instead of making it wait.
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self._pending = request
        self._body_length = length
        if length > self.max_body:
            self.body_error = BodyTooLarge(f"body larger than {self.max_body} bytes")
            self._finish_sniffing()
            return False
        return True

    def _hand_over(self) -> None:
        self._sniffing = False
        data = bytes(self._buffer)
        self._buffer.clear()
        super().data_received(data)

    def _finish_sniffing(self) -> None:
        # Same state websockets reaches after parsing a request: handshake() goes on
        # to process_request.
        self._sniffing = False
        self._taken = True
        if self.body_error is not None:
            self._buffer.clear()  # the refused body: never parsed (the connection closes)
        self.request = self._pending
        self.request_rcvd.set_result(None)

    def _expect_next_request(self) -> None:
        self._fresh_request_state()
        self.request = None
        self.request_rcvd = self.loop.create_future()
        if self._buffer:  # pipelined: already here
            data = bytes(self._buffer)
            self._buffer.clear()
            self.data_received(data)

    async def handshake(
        self,
        process_request: Any = None,
        process_response: Any = None,
        server_header: str | None = SERVER,
    ) -> None:
        """The opening handshake of a WebSocket, or the HTTP request(s) of this connection:
        a request with a body is answered here, and so is every next one the client sends
        on the connection (keep-alive); any other request is ``websockets``' to answer."""
        async with asyncio.timeout(self.open_timeout):
            await self._next_request()
            if not self._taken:
                await super().handshake(process_request, process_response, server_header)
                return
        while self._taken:
            try:
                response = await process_request(self, self.request)
            except Exception:
                self.logger.error("process_request failed", exc_info=True)
                response = None
            if response is None:  # a failure, or a body on a WebSocket upgrade: refuse
                response = self.protocol.reject(
                    http.HTTPStatus.INTERNAL_SERVER_ERROR, "Could not answer the request.\n"
                )
                self.body_error = RuntimeError("not answered")  # and close after it
            keep_alive = (
                self.body_error is None
                and self.request is not None
                and self.request.headers.get("Connection", "").lower() != "close"
                and self.server.is_serving()
            )
            if "Connection" in response.headers:
                del response.headers["Connection"]
            response.headers["Connection"] = "keep-alive" if keep_alive else "close"
            if server_header is not None:
                response.headers["Server"] = server_header
            self.transport.write(response.serialize())
            if not keep_alive:
                self.transport.close()  # after what was written: unlike abort()
                return
            self._expect_next_request()
            if not await self._next_request(idle_seconds=KEEP_ALIVE_SECONDS):
                self.transport.close()
                return
        # A request without a body after some with: websockets answers it (and closes).
        await super().handshake(process_request, process_response, server_header)

    async def _next_request(self, idle_seconds: float | None = None) -> bool:
        """Wait for a request (or the end of the connection); whether one came. While
        idle, the connection also ends when the server stops serving."""
        waiting = [self.request_rcvd, self.connection_lost_waiter]
        if idle_seconds is None:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        else:
            deadline = self.loop.time() + idle_seconds
            while self.server.is_serving() and self.loop.time() < deadline:
                done, _ = await asyncio.wait(
                    waiting, timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
                if done:
                    break
        return self.request_rcvd.done()


def connection_class(max_body: int, open_timeout: float = 10.0) -> type[HttpApiConnection]:
    """A connection class reading bodies up to ``max_body`` bytes, whose opening request
    or handshake must complete within ``open_timeout`` seconds."""
    return type(
        "BoundHttpApiConnection",
        (HttpApiConnection,),
        {"max_body": max_body, "open_timeout": open_timeout},
    )
